/**
 * The ELF file header (`Elf32_Ehdr` / `Elf64_Ehdr`).
 *
 * @module
 */

import { ElfError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB } from './constants.js';

/** Size of `e_ident`. */
const EI_NIDENT = 16;
/** Size of the ELF32 file header. */
const EHDR32_SIZE = 52;
/** Size of the ELF64 file header. */
const EHDR64_SIZE = 64;

/**
 * The fields of the ELF header, as stored. `e_shnum`, `e_shstrndx` and `e_phnum` are raw here:
 * their extended forms (kept in section 0) are resolved by {@link ElfFile}.
 */
export interface ElfHeader {
  /** `EI_CLASS`: 32 or 64. */
  readonly bits: 32 | 64;
  /** `EI_DATA` is `ELFDATA2LSB`. */
  readonly littleEndian: boolean;
  /** `EI_VERSION`. */
  readonly identVersion: number;
  /** `EI_OSABI`. */
  readonly osAbi: number;
  /** `EI_ABIVERSION`. */
  readonly abiVersion: number;
  /** `e_type` (`ET_REL`, `ET_EXEC`, ...). */
  readonly type: number;
  /** `e_machine` (`EM_BPF`, `EM_X86_64`, ...). */
  readonly machine: number;
  /** `e_version`. */
  readonly version: number;
  /** `e_entry`. */
  readonly entry: bigint;
  /** `e_phoff`: file offset of the program header table. */
  readonly phoff: number;
  /** `e_shoff`: file offset of the section header table (0: none). */
  readonly shoff: number;
  /** `e_flags`. */
  readonly flags: number;
  /** `e_ehsize`. */
  readonly ehsize: number;
  /** `e_phentsize`. */
  readonly phentsize: number;
  /** `e_phnum` as stored (may be `PN_XNUM`). */
  readonly phnum: number;
  /** `e_shentsize`. */
  readonly shentsize: number;
  /** `e_shnum` as stored (0 with a non-zero `e_shoff` means "see section 0"). */
  readonly shnum: number;
  /** `e_shstrndx` as stored (may be `SHN_XINDEX`). */
  readonly shstrndx: number;
}

/**
 * Reads and validates the identification bytes and the file header.
 *
 * @returns the header and a reader set up for the file's class and byte order
 * @throws {@link ElfError} for a bad magic number, an unknown class or byte order, or a file
 *   too short to hold the header.
 */
export function readElfHeader(bytes: Uint8Array): { header: ElfHeader; reader: ByteReader } {
  if (bytes.length < EI_NIDENT) {
    throw new ElfError(`truncated ELF identification: file has ${bytes.length} bytes, needs ${EI_NIDENT}`, {
      offset: 0,
    });
  }
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('bad magic: not an ELF file', { offset: 0 });
  }
  const cls = bytes[4] as number;
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) {
    throw new ElfError(`unknown EI_CLASS ${cls}`, { offset: 4 });
  }
  const data = bytes[5] as number;
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    throw new ElfError(`unknown EI_DATA ${data}`, { offset: 5 });
  }
  const is64 = cls === ELFCLASS64;
  const size = is64 ? EHDR64_SIZE : EHDR32_SIZE;
  if (bytes.length < size) {
    throw new ElfError(`truncated ELF header: file has ${bytes.length} bytes, needs ${size}`, { offset: 0 });
  }
  const r = new ByteReader(bytes, data === ELFDATA2LSB, is64);
  // Past e_entry the two layouts differ only by the width of the three address-sized fields.
  const w = is64 ? 8 : 4;
  const rest = 24 + 3 * w;
  const header: ElfHeader = {
    bits: is64 ? 64 : 32,
    littleEndian: r.littleEndian,
    identVersion: bytes[6] as number,
    osAbi: bytes[7] as number,
    abiVersion: bytes[8] as number,
    type: r.u16(16),
    machine: r.u16(18),
    version: r.u32(20),
    entry: r.addr(24),
    phoff: r.word(24 + w),
    shoff: r.word(24 + 2 * w),
    flags: r.u32(rest),
    ehsize: r.u16(rest + 4),
    phentsize: r.u16(rest + 6),
    phnum: r.u16(rest + 8),
    shentsize: r.u16(rest + 10),
    shnum: r.u16(rest + 12),
    shstrndx: r.u16(rest + 14),
  };
  return { header, reader: r };
}
