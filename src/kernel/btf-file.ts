/**
 * Reading BTF files and telling where they come from, without the BTF and ELF parsers: the
 * part of `loadSpecFile` (spec-file.ts) that `tsbpf btf dump file` needs before it knows whether the file
 * is raw BTF (the common case, opened with `Spec` alone) or an ELF file.
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NotFoundError, TsbpfError } from '../errors.js';

/** Where the running kernel publishes its BTF. */
export const SYSFS_BTF_DIR = '/sys/kernel/btf';

/**
 * Reads a whole file.
 * @throws {NotFoundError} if it does not exist; {@link TsbpfError} for other I/O failures.
 */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new NotFoundError(`${path}: no such file`);
    throw new TsbpfError(`${path}: ${e.code ?? ''} ${e.message}`.trim());
  }
}

/**
 * The base a BTF file needs when none is given: `/sys/kernel/btf/<module>` (any file beside a
 * `vmlinux` in `/sys/kernel/btf`) is split BTF on that `vmlinux`.
 */
export function defaultBaseFor(path: string): string | undefined {
  const abs = resolve(path);
  if (dirname(abs) === SYSFS_BTF_DIR && basename(abs) !== 'vmlinux') return join(SYSFS_BTF_DIR, 'vmlinux');
  return undefined;
}

/**
 * Whether `path` is a file the running kernel publishes in sysfs. Such BTF passed the kernel's
 * own verifier when vmlinux booted or the module loaded, so tsbpf need not check it again.
 */
export function isKernelPublished(path: string): boolean {
  try {
    return dirname(realpathSync(path)) === SYSFS_BTF_DIR;
  } catch {
    return false;
  }
}

/** Runs `open`, which opens the BTF in `path`, naming the file in the message of a {@link TsbpfError}. */
export function openingFile<T>(path: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    // Name the file in the message, keeping the error's class and coordinates.
    if (err instanceof TsbpfError) err.message = `${path}: ${err.message}`;
    throw err;
  }
}
