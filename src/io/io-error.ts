/**
 * Node's system errors turned into one-line {@link IoError}s: the path as the user named it,
 * what was being done, and the errno text once (`out.btf: cannot write: no space left on device
 * (ENOSPC)`), never Node's `ENOSPC: no space left on device, write` with its repeated code.
 * @module
 */
import { IoError, NotFoundError, TsbpfError } from '../errors.js';
import { displayPath } from './display-path.js';

/** The errno's description alone: Node's message without its leading code and trailing syscall. */
export function errnoText(err: NodeJS.ErrnoException): string {
  let text = err.message;
  if (err.code !== undefined && text.startsWith(`${err.code}: `)) text = text.slice(err.code.length + 2);
  if (err.syscall !== undefined) {
    const at = text.lastIndexOf(`, ${err.syscall}`);
    if (at >= 0) text = text.slice(0, at);
  }
  return err.code !== undefined ? `${text} (${err.code})` : text;
}

/**
 * The {@link IoError} for a failed system call on `path` while doing `action` (`cannot read`),
 * with the original error as its cause. A {@link TsbpfError} passes through unchanged.
 */
export function ioError(path: string, action: string, err: unknown): TsbpfError {
  if (err instanceof TsbpfError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.message !== 'string') return new IoError(displayPath(path), `${action}: ${String(err)}`, { cause: err });
  return new IoError(displayPath(path), `${action}: ${errnoText(e)}`, { ...(e.code ? { code: e.code } : {}), cause: err });
}

/**
 * As {@link ioError}, but a missing file is a {@link NotFoundError} (`PATH: no such file`), the
 * class callers test for.
 */
export function inputError(path: string, action: string, err: unknown): TsbpfError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return new NotFoundError(`${displayPath(path)}: no such file`, { cause: err });
  return ioError(path, action, err);
}
