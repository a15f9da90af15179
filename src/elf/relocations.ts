/**
 * Relocation sections (`SHT_REL`, `SHT_RELA`): `Elf{32,64}_Rel` / `Elf{32,64}_Rela` entries.
 *
 * @module
 */

import { ElfError } from '../errors.js';
import { SHT_REL, SHT_RELA } from './constants.js';
import type { ElfFile } from './file.js';
import type { ElfSection } from './section.js';

/** One relocation entry, with `r_info` split into symbol index and type. */
export interface ElfRelocation {
  /** `r_offset`: in relocatable files, the byte offset in the target section; else an address. */
  readonly offset: bigint;
  /** Index of the referenced symbol in the symbol table named by the section's `sh_link`. */
  readonly symbol: number;
  /** Relocation type, machine-specific (`R_BPF_64_64`, `R_X86_64_PC32`, ...). */
  readonly type: number;
  /**
   * `r_addend` for `SHT_RELA`. `0n` for `SHT_REL`, whose addends are implicit: stored in the
   * relocated field of the target section.
   */
  readonly addend: bigint;
}

/**
 * Reads the entries of a relocation section.
 *
 * @param section - an `SHT_REL` or `SHT_RELA` section
 * @throws {@link ElfError} if the section is of another type, its entry size is too small, or
 *   its data runs past the end of the file.
 */
export function readRelocations(file: ElfFile, section: ElfSection): ElfRelocation[] {
  const label = file.label(section);
  if (section.type !== SHT_REL && section.type !== SHT_RELA) {
    throw new ElfError(`not a relocation section (sh_type ${section.type})`, {
      section: label,
      offset: section.offset,
    });
  }
  const is64 = file.bits === 64;
  const rela = section.type === SHT_RELA;
  const word = is64 ? 8 : 4;
  const natural = (rela ? 3 : 2) * word;
  const stride = section.entsize === 0 ? natural : section.entsize;
  if (stride < natural) {
    throw new ElfError(`relocation entry size ${section.entsize} is smaller than an entry (${natural})`, {
      section: label,
      offset: section.offset,
    });
  }
  const data = file.sectionData(section);
  const count = Math.floor(data.length / stride);
  const r = file.reader;
  const base = data.byteOffset - file.bytes.byteOffset;
  const out: ElfRelocation[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = base + i * stride;
    if (is64) {
      // ELF64_R_SYM(info) = info >> 32, ELF64_R_TYPE(info) = info & 0xffffffff.
      const hi = r.littleEndian ? at + 12 : at + 8;
      const lo = r.littleEndian ? at + 8 : at + 12;
      out[i] = {
        offset: r.u64n(at),
        symbol: r.u32(hi),
        type: r.u32(lo),
        addend: rela ? r.i64n(at + 16) : 0n,
      };
    } else {
      // ELF32_R_SYM(info) = info >> 8, ELF32_R_TYPE(info) = info & 0xff.
      const info = r.u32(at + 4);
      out[i] = {
        offset: BigInt(r.u32(at)),
        symbol: info >>> 8,
        type: info & 0xff,
        addend: rela ? BigInt(r.view.getInt32(at + 8, r.littleEndian)) : 0n,
      };
    }
  }
  return out;
}

/**
 * The relocation sections that apply to `target` (those whose `sh_info` is its index), in
 * table order.
 */
export function relocationSectionsFor(file: ElfFile, target: ElfSection): ElfSection[] {
  return file.sections.filter(
    (s) => (s.type === SHT_REL || s.type === SHT_RELA) && s.info === target.index && s.index !== target.index,
  );
}
