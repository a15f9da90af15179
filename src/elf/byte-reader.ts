/**
 * Endian-aware fixed-width reads over a file's bytes. Callers check that a whole table lies
 * inside the file before reading it, so these reads themselves do no bounds checks.
 *
 * @module
 */

import { ElfError } from '../errors.js';

const TWO_32 = 2 ** 32;

/** Reads ELF words of the file's byte order from a `DataView` over the whole file. */
export class ByteReader {
  /** View over the same memory as the file's bytes (no copy). */
  readonly view: DataView;
  /** Byte order of the file (`EI_DATA`). */
  readonly littleEndian: boolean;
  /** Whether the file is ELFCLASS64 (words and addresses are 8 bytes). */
  readonly is64: boolean;
  /** Length of the file in bytes. */
  readonly length: number;

  /**
   * @param bytes - the whole file
   * @param littleEndian - `EI_DATA` is `ELFDATA2LSB`
   * @param is64 - `EI_CLASS` is `ELFCLASS64`
   */
  constructor(bytes: Uint8Array, littleEndian: boolean, is64: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
    this.is64 = is64;
    this.length = bytes.byteLength;
  }

  /** Unsigned byte at `offset`. */
  u8(offset: number): number {
    return this.view.getUint8(offset);
  }

  /** Unsigned 16-bit value at `offset`. */
  u16(offset: number): number {
    return this.view.getUint16(offset, this.littleEndian);
  }

  /** Unsigned 32-bit value at `offset`. */
  u32(offset: number): number {
    return this.view.getUint32(offset, this.littleEndian);
  }

  /**
   * Unsigned 64-bit value at `offset` as a `number`: exact up to 2^53, and above that still
   * larger than any byte length, so a bounds check on it stays correct.
   */
  u64(offset: number): number {
    const a = this.view.getUint32(offset, this.littleEndian);
    const b = this.view.getUint32(offset + 4, this.littleEndian);
    return this.littleEndian ? b * TWO_32 + a : a * TWO_32 + b;
  }

  /** Unsigned 64-bit value at `offset` as a `bigint`. */
  u64n(offset: number): bigint {
    return this.view.getBigUint64(offset, this.littleEndian);
  }

  /** Signed 64-bit value at `offset` as a `bigint`. */
  i64n(offset: number): bigint {
    return this.view.getBigInt64(offset, this.littleEndian);
  }

  /** An `Elf_Word`-or-`Elf_Xword` sized value: 4 bytes in ELF32, 8 in ELF64, as a number. */
  word(offset: number): number {
    return this.is64 ? this.u64(offset) : this.u32(offset);
  }

  /** An `Elf_Addr`/`Elf_Off` sized value as a `bigint` (addresses may exceed 2^53). */
  addr(offset: number): bigint {
    return this.is64 ? this.u64n(offset) : BigInt(this.u32(offset));
  }

  /**
   * Throws unless `[offset, offset + size)` lies inside the file.
   *
   * @param what - what the range holds, for the message
   * @param section - section the range belongs to, if any
   * @throws {@link ElfError} naming `what`, the offset and the section.
   */
  ensure(offset: number, size: number, what: string, section?: string): void {
    if (offset < 0 || size < 0 || offset + size > this.length || !Number.isSafeInteger(offset + size)) {
      const where = section === undefined ? { offset } : { offset, section };
      throw new ElfError(`${what} (${size} bytes) runs past end of file (${this.length} bytes)`, where);
    }
  }
}
