/**
 * Opening BTF files from disk: raw BTF, ELF files with `.BTF`, and the kernel's sysfs files,
 * where a module's file is opened on `vmlinux` from the same directory without being told.
 * `tsbpf/btf` exports {@link openSpecFile} under Node (see docs/architecture.md, "Entries").
 * @module
 */
import { basename } from 'node:path';
import { openSpec } from '../btf/load.js';
import type { Spec } from '../btf/spec.js';
import { inObject } from '../errors.js';
import { displayPath } from '../io/display-path.js';
import { compressedFileError, defaultBaseFor, isKernelPublished, readBytes } from './btf-file.js';

export { defaultBaseFor, isKernelPublished, readBytes, SYSFS_BTF_DIR } from './btf-file.js';

/** Options of {@link openSpecFile}. */
export interface OpenSpecFileOptions {
  /**
   * Base BTF for split input: a spec, or the path of a file to open as base BTF. Default: for a
   * module's file in `/sys/kernel/btf`, the `vmlinux` beside it; otherwise none (base BTF).
   */
  base?: Spec | string;
  /**
   * The name of the BTF object, as {@link Spec.name} (what messages and matches call it).
   * Default: the file's name (`veth` for `/sys/kernel/btf/veth`).
   */
  name?: string;
}

/**
 * Opens a BTF file: raw BTF (`/sys/kernel/btf/*`, a raw dump) or an ELF file's `.BTF` (a
 * module's `.ko`, a BPF object, a vmlinux image), as base BTF or, given a base (or when the
 * path is a module's file in `/sys/kernel/btf`), as split BTF on it; a `.ko` carrying
 * `.BTF.base` is relocated onto the base. The path form of `openSpec`. The file is read
 * without blocking, only if it is a regular file, and only as far as its header says.
 * @throws {NotFoundError} if a file is missing. @throws {IoError} for a directory, FIFO or
 * device, or a failed read. @throws {BtfError} / {@link ElfError} naming the file on malformed
 * input (a compressed file is named as such).
 */
export function openSpecFile(path: string, options: OpenSpecFileOptions = {}): Spec {
  let base = options.base ?? defaultBaseFor(path);
  if (typeof base === 'string') base = openSpecFile(base);
  const bytes = readBytes(path);
  try {
    return openSpec(bytes, { base, name: options.name ?? basename(path), kernelVerified: isKernelPublished(path) });
  } catch (err) {
    throw compressedFileError(err, bytes, path) ?? inObject(err, displayPath(path));
  }
}

/** Options of {@link loadSpecFile}. @deprecated Use {@link OpenSpecFileOptions}. */
export interface SpecFileOptions {
  /** Base BTF for split input: a spec, or a path to open as base BTF. */
  base?: Spec | string;
}

/**
 * Opens a BTF file, as {@link openSpecFile} does.
 * @deprecated Use `openSpecFile` (from `tsbpf/btf` or `tsbpf/kernel`); the spec it returns is
 * named after the file.
 * @throws {NotFoundError} / {@link IoError} / {@link BtfError} / {@link ElfError} as
 * {@link openSpecFile} does.
 */
export function loadSpecFile(path: string, options: SpecFileOptions = {}): Spec {
  return openSpecFile(path, { base: options.base, name: '' });
}
