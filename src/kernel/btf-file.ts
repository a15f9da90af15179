/**
 * Reading BTF files and telling where they come from: the input rules every command shares
 * (regular files only, read no further than the header says), and {@link openBtfFile}, which
 * opens raw BTF with `Spec` alone and loads the ELF reader only for ELF files.
 * @module
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BTF_MAGIC, peekHeader } from '../btf/header.js';
import { loadSpec, loadSplitSpec, type Spec } from '../btf/spec.js';
import { describeMisfit, splitBaseMisfit } from '../btf/split-base-fit.js';
import { isElf } from '../elf/magic.js';
import { BtfError, inObject, UsageError } from '../errors.js';
import { compressionOf } from '../io/compressed-input.js';
import { displayPath } from '../io/display-path.js';
import { fileIdentity } from '../io/file-identity.js';
import { readInput } from '../io/input-file.js';

/** Where the running kernel publishes its BTF. */
export const SYSFS_BTF_DIR = '/sys/kernel/btf';

/**
 * How much of a file to read, from its first bytes: raw BTF up to the end of the last section
 * its header declares (a header that does not check out throws here, as the parser would on
 * the whole file); an ELF file whole; anything else only its first bytes, enough for the
 * parser to say what is wrong. So a large file that is not BTF is never read whole.
 * @throws {BtfError} for a raw BTF header that does not fit the file.
 */
export function btfFileLength(head: Uint8Array, size: number, read?: (length: number, position: number) => Uint8Array): number {
  if (head.byteLength < 4) return size;
  const magic = head[0]! | (head[1]! << 8);
  if (magic === BTF_MAGIC || magic === 0x9feb) {
    // A header longer than the bytes at hand (a newer producer's): let the parser see it all.
    const hdrLen = head.byteLength >= 8 ? new DataView(head.buffer, head.byteOffset + 4, 4).getUint32(0, magic === BTF_MAGIC) : 0;
    if (hdrLen > head.byteLength) return size;
    const h = peekHeader(head, size);
    return Math.max(h.hdrLen, h.typeOff + h.typeLen, h.strOff + h.strLen, h.layoutOff + h.layoutLen);
  }
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    return read ? elfFileLength(head, size, read) : size;
  }
  return head.byteLength;
}

/** Section types without bytes in the file. */
const SHT_NOBITS = 8;

/**
 * How far into an ELF file its sections and section header table reach (a file may carry
 * more, such as a trailing signature, that tsbpf never reads). When the header's fields do not
 * fit the file, the whole file: the ELF reader then says what is wrong.
 */
function elfFileLength(head: Uint8Array, size: number, read: (length: number, position: number) => Uint8Array): number {
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  if ((head[4] !== 1 && !is64) || (head[5] !== 1 && head[5] !== 2) || head.byteLength < (is64 ? 64 : 52)) return size;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shoff = is64 ? Number(v.getBigUint64(0x28, le)) : v.getUint32(0x20, le);
  const shentsize = v.getUint16(is64 ? 0x3a : 0x2e, le);
  let shnum = v.getUint16(is64 ? 0x3c : 0x30, le);
  const natural = is64 ? 64 : 40;
  if (shoff === 0 || shentsize < natural || shoff + shentsize > size) return size;
  if (shnum === 0) {
    // More sections than e_shnum holds: the count is section 0's sh_size.
    const first = read(natural, shoff);
    if (first.byteLength < natural) return size;
    const fv = new DataView(first.buffer, first.byteOffset, first.byteLength);
    shnum = is64 ? Number(fv.getBigUint64(0x20, le)) : fv.getUint32(0x14, le);
  }
  const tableEnd = shoff + shnum * shentsize;
  if (tableEnd > size) return size;
  const table = read(shnum * shentsize, shoff);
  const tv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  let end = Math.max(is64 ? 64 : 52, tableEnd);
  const phoff = is64 ? Number(v.getBigUint64(0x20, le)) : v.getUint32(0x1c, le);
  const phEnd = phoff + v.getUint16(is64 ? 0x36 : 0x2a, le) * v.getUint16(is64 ? 0x38 : 0x2c, le);
  if (phoff !== 0 && phEnd <= size) end = Math.max(end, phEnd);
  for (let i = 0; i < shnum; i++) {
    const at = i * shentsize;
    if (tv.getUint32(at + 4, le) === SHT_NOBITS) continue;
    const off = is64 ? Number(tv.getBigUint64(at + 0x18, le)) : tv.getUint32(at + 0x10, le);
    const len = is64 ? Number(tv.getBigUint64(at + 0x20, le)) : tv.getUint32(at + 0x14, le);
    if (off + len > size) return size;
    end = Math.max(end, off + len);
  }
  return end;
}

/**
 * Reads a BTF file (raw BTF or an ELF file): opened without blocking, refused unless a regular
 * file, and read only as far as its header says (see {@link btfFileLength}).
 * @throws {NotFoundError} if it does not exist; {@link IoError} for a FIFO, a device, a
 * directory, or an I/O failure; {@link BtfError} naming the file for a raw BTF header that
 * does not fit it.
 */
export function readBytes(path: string): Uint8Array {
  try {
    return readInput(path, btfFileLength);
  } catch (err) {
    throw inObject(err, displayPath(path));
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
 * The error for `err`, raised while opening the BTF in `bytes` read from `path`, when the file is
 * compressed (a bad magic at offset 0 over gzip, xz, zstd... bytes): a {@link BtfError} naming
 * the file and its compression, with `err` as its cause; otherwise `undefined`.
 */
export function compressedFileError(err: unknown, bytes: Uint8Array, path: string): BtfError | undefined {
  const packed = err instanceof BtfError && err.offset === 0 ? compressionOf(bytes) : undefined;
  if (packed === undefined) return undefined;
  return new BtfError(
    `${packed}-compressed, not BTF: decompress it first`,
    { object: displayPath(path), offset: 0 },
    { cause: err },
  );
}

/** Options of {@link openBtfFile}. */
export interface OpenBtfFileOptions {
  /**
   * Base BTF for split input: a spec, or the path of a file to open as base BTF. Default: for a
   * module's file in `/sys/kernel/btf`, the `vmlinux` beside it; otherwise none.
   */
  base?: Spec | string;
  /** What to call a base given as a spec, in messages (a base given as a path is named by it). */
  baseName?: string;
  /** Run the full checks of the kernel's verifier over the file's types (and its base's). */
  validate?: boolean;
}

/** Faults of a split type that point into the base: a reference, a string offset, a referee's kind. */
const BASE_FAULT = /type \[\d+\]|references|name offset|string|which is not|beyond the last ID|out of range/;

/**
 * `err`, raised opening or checking the split BTF in `path` on `base`, naming the file and,
 * for a type-level fault, the likely reason: split BTF built on another vmlinux. Other errors
 * (a bad header, an I/O error) only gain the file's name. Given the split's raw bytes and the
 * base, any fault is taken for a wrong base when the split's names do not fit the base's
 * strings (see {@link splitBaseMisfit}), and the message says how many do not.
 */
export function inSplitFile(err: unknown, path: string, base: string, fit?: { bytes: Uint8Array; base: Spec }): unknown {
  const misfit = fit && err instanceof BtfError && !isElf(fit.bytes) ? splitBaseMisfit(fit.bytes, fit.base) : undefined;
  if (
    !(err instanceof BtfError) ||
    err.name === 'BtfRelocationError' ||
    (misfit === undefined && (err.typeId === undefined || !BASE_FAULT.test(err.detail)))
  ) {
    return inObject(err, displayPath(path));
  }
  const object = err.object !== undefined ? `${displayPath(path)}: ${err.object}` : displayPath(path);
  const evidence = misfit ? ` ${describeMisfit(misfit)}` : '';
  return new BtfError(
    `${err.detail} (is it split BTF built on another vmlinux than ${base}?${evidence})`,
    { object, typeId: err.typeId, offset: err.offset },
    { cause: err },
  );
}

/**
 * Opens a BTF file the way every command does: raw BTF or an ELF file's `.BTF` (a module's
 * `.ko`, a BPF object, a vmlinux image), as base BTF or, given a base, as split BTF on it; a
 * `.ko` carrying `.BTF.base` (a distilled base) is relocated onto the base. Inputs are read as
 * {@link readBytes} reads them. The ELF reader is loaded only for ELF files, so opening raw BTF
 * (the common case) stays quick to start.
 *
 * A base given as a path must be base BTF: split BTF there (a module's file, a `.ko` on a
 * distilled base), or the very file being opened, is refused.
 * @throws {NotFoundError} / {@link IoError} for a file that is missing or not a regular file.
 * @throws {BtfError} / {@link ElfError} naming the file; for split BTF that does not fit its
 * base, saying it may have been built on another vmlinux.
 * @throws {UsageError} for a base that is split BTF or the file itself.
 */
export async function openBtfFile(path: string, options: OpenBtfFileOptions = {}): Promise<Spec> {
  const given = options.base ?? defaultBaseFor(path);
  let base: Spec | undefined;
  let baseName = options.baseName ?? 'its base';
  if (typeof given === 'string') {
    const a = fileIdentity(path);
    if (a !== undefined && a === fileIdentity(given)) {
      throw new UsageError(`${displayPath(path)}: given as its own base BTF (-B/base names the same file)`);
    }
    base = await openBtfFile(given, { validate: options.validate ?? false });
    if (base.base !== undefined) {
      throw new UsageError(`${displayPath(given)}: is split BTF (on a distilled base); a base must be base BTF such as vmlinux`);
    }
    baseName = displayPath(given);
  } else {
    base = given;
    if (options.validate) base?.validate();
  }
  const bytes = readBytes(path);
  const specOptions = { kernelVerified: isKernelPublished(path) };
  let spec: Spec;
  try {
    if (isElf(bytes)) {
      const { loadSpecFromBytes } = await import('../btf/load.js');
      spec = loadSpecFromBytes(bytes, base, specOptions);
    } else {
      spec = base ? loadSplitSpec(bytes, base, specOptions) : loadSpec(bytes, specOptions);
    }
    if (base && spec.base === base && base.bytes.byteLength === bytes.byteLength && equalBytes(base.bytes, bytes)) {
      throw new UsageError(`${displayPath(path)}: is the same BTF as its base ${baseName}, not split BTF on it`);
    }
    if (options.validate) spec.validateOwn();
  } catch (err) {
    // A relocation fault names the distilled type: it is about the module and base both.
    if (err instanceof UsageError) throw err;
    const packed = compressedFileError(err, bytes, path);
    if (packed !== undefined) throw packed;
    if (!base) throw inObject(err, displayPath(path));
    throw inSplitFile(err, path, baseName, { bytes: isElf(bytes) ? await splitSectionOf(bytes) : bytes, base });
  }
  return spec;
}

/**
 * The `.BTF` of a module's ELF file as it was written on its vmlinux, for a wrong-base check;
 * empty when there is none, or when it sits on a distilled base (`.BTF.base`).
 */
async function splitSectionOf(bytes: Uint8Array): Promise<Uint8Array> {
  const { btfSectionOf } = await import('../btf/load.js');
  try {
    btfSectionOf(bytes, '.BTF.base');
    return new Uint8Array(0);
  } catch {
    // no distilled base: the .BTF is split BTF on vmlinux
  }
  try {
    return btfSectionOf(bytes);
  } catch {
    return new Uint8Array(0);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
