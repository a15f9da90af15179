/**
 * Reading BTF files and telling where they come from, without the BTF and ELF parsers: the
 * part of `loadSpecFile` (spec-file.ts) that `tsbpf btf dump file` needs before it knows whether the file
 * is raw BTF (the common case, opened with `Spec` alone) or an ELF file.
 * @module
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BTF_MAGIC, peekHeader } from '../btf/header.js';
import { inObject } from '../errors.js';
import { displayPath } from '../io/display-path.js';
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
 * Runs `open`, which opens the BTF in `path`; a {@link BtfError} or {@link ElfError} it throws
 * comes out naming the file, with the original as its cause.
 */
export function openingFile<T>(path: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    throw inObject(err, displayPath(path));
  }
}
