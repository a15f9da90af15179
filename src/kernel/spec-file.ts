/**
 * Opening BTF files from disk: raw BTF, ELF files with `.BTF`, and the kernel's sysfs files,
 * where a module's file is opened on `vmlinux` from the same directory without being told.
 * @module
 */
import { loadSpecFromBytes } from '../btf/load.js';
import type { Spec } from '../btf/spec.js';
import { defaultBaseFor, isKernelPublished, openingFile, readBytes } from './btf-file.js';

export { defaultBaseFor, isKernelPublished, readBytes, SYSFS_BTF_DIR } from './btf-file.js';

/** Options of {@link loadSpecFile}. */
export interface SpecFileOptions {
  /** Base BTF for split input: a spec, or a path to open as base BTF. */
  base?: Spec | string;
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
  return openingFile(path, () => loadSpecFromBytes(bytes, base, { kernelVerified: isKernelPublished(path) }));
}
