/**
 * Opening BTF files from disk: raw BTF, ELF files with `.BTF`, and the kernel's sysfs files,
 * where a module's file is opened on `vmlinux` from the same directory without being told.
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadSpecFromBytes } from '../btf/load.js';
import type { Spec } from '../btf/spec.js';
import { NotFoundError, TsbpfError } from '../errors.js';

/** Where the running kernel publishes its BTF. */
export const SYSFS_BTF_DIR = '/sys/kernel/btf';

/** Options of {@link loadSpecFile}. */
export interface SpecFileOptions {
  /** Base BTF for split input: a spec, or a path to open as base BTF. */
  base?: Spec | string;
}

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

/**
 * Opens a BTF file: raw BTF or an ELF's `.BTF`, split on `base` when given (or when the path is a
 * module's file in sysfs).
 * @throws {NotFoundError} if a file is missing. @throws {BtfError} / {@link ElfError} on malformed input.
 */
export function loadSpecFile(path: string, options: SpecFileOptions = {}): Spec {
  let base = options.base ?? defaultBaseFor(path);
  if (typeof base === 'string') base = loadSpecFile(base);
  const bytes = readBytes(path);
  try {
    return loadSpecFromBytes(bytes, base, { kernelVerified: isKernelPublished(path) });
  } catch (err) {
    // Name the file in the message, keeping the error's class and coordinates.
    if (err instanceof TsbpfError) err.message = `${path}: ${err.message}`;
    throw err;
  }
}
