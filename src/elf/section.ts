/**
 * Section headers (`Elf32_Shdr` / `Elf64_Shdr`).
 *
 * @module
 */

import type { ByteReader } from './byte-reader.js';

/** Size of an ELF32 section header. */
export const SHDR32_SIZE = 40;
/** Size of an ELF64 section header. */
export const SHDR64_SIZE = 64;

/**
 * One section header, with its name resolved. Offsets and sizes are `number`s (exact up to
 * 2^53, which any real file is far below); addresses are `bigint`s since kernel addresses are
 * not.
 */
export interface ElfSection {
  /** Index in the section header table. */
  readonly index: number;
  /** Name from the section header string table (`''` if the file has none). */
  readonly name: string;
  /** `sh_name`: offset of the name in the section header string table. */
  readonly nameOffset: number;
  /** `sh_type` (`SHT_PROGBITS`, `SHT_SYMTAB`, ...). */
  readonly type: number;
  /**
   * `sh_flags` (`SHF_ALLOC`, ...). Test bits with `(flags & SHF_X) !== 0`: flags at bit 31
   * make a bitwise result negative.
   */
  readonly flags: number;
  /** `sh_addr`: run-time address, 0 in relocatable files. */
  readonly addr: bigint;
  /** `sh_offset`: file offset of the data. */
  readonly offset: number;
  /** `sh_size`: size of the data (for `SHT_NOBITS`, of the memory it occupies at run time). */
  readonly size: number;
  /** `sh_link`: a related section's index, meaning depends on the type. */
  readonly link: number;
  /** `sh_info`: extra information, meaning depends on the type and flags. */
  readonly info: number;
  /** `sh_addralign`. */
  readonly addralign: number;
  /** `sh_entsize`: size of one entry for tables, else 0. */
  readonly entsize: number;
}

/** A section header's fields before its name is looked up. */
export type RawSection = Omit<ElfSection, 'name'>;

/**
 * Reads the section header at `offset`. The caller has checked that the whole header lies
 * inside the file.
 */
export function readSectionHeader(r: ByteReader, offset: number, index: number): RawSection {
  if (r.is64) {
    return {
      index,
      nameOffset: r.u32(offset),
      type: r.u32(offset + 4),
      flags: r.u64(offset + 8),
      addr: r.u64n(offset + 16),
      offset: r.u64(offset + 24),
      size: r.u64(offset + 32),
      link: r.u32(offset + 40),
      info: r.u32(offset + 44),
      addralign: r.u64(offset + 48),
      entsize: r.u64(offset + 56),
    };
  }
  return {
    index,
    nameOffset: r.u32(offset),
    type: r.u32(offset + 4),
    flags: r.u32(offset + 8),
    addr: BigInt(r.u32(offset + 12)),
    offset: r.u32(offset + 16),
    size: r.u32(offset + 20),
    link: r.u32(offset + 24),
    info: r.u32(offset + 28),
    addralign: r.u32(offset + 32),
    entsize: r.u32(offset + 36),
  };
}
