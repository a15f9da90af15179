/**
 * Symbol tables (`SHT_SYMTAB`, `SHT_DYNSYM`): `Elf32_Sym` / `Elf64_Sym` entries.
 *
 * @module
 */

import { ElfError } from '../errors.js';
import { SHN_XINDEX, SHT_DYNSYM, SHT_SYMTAB, SHT_SYMTAB_SHNDX } from './constants.js';
import type { ElfFile } from './file.js';
import type { ElfSection } from './section.js';

/** Size of an ELF32 symbol. */
const SYM32_SIZE = 16;
/** Size of an ELF64 symbol. */
const SYM64_SIZE = 24;

/** One symbol table entry, with its name resolved and its section index un-escaped. */
export interface ElfSymbol {
  /** Index in its symbol table (relocations refer to symbols by this). */
  readonly index: number;
  /**
   * Name from the linked string table. Section symbols (`STT_SECTION`) usually have none;
   * their section's name is what tools print for them.
   */
  readonly name: string;
  /** `st_name`: offset of the name in the linked string table. */
  readonly nameOffset: number;
  /** `st_value`: an address, or in relocatable files an offset in the symbol's section. */
  readonly value: bigint;
  /** `st_size`. */
  readonly size: number;
  /** `ELF_ST_BIND(st_info)`: `STB_LOCAL`, `STB_GLOBAL`, `STB_WEAK`, ... */
  readonly bind: number;
  /** `ELF_ST_TYPE(st_info)`: `STT_FUNC`, `STT_OBJECT`, `STT_SECTION`, ... */
  readonly type: number;
  /** `ELF_ST_VISIBILITY(st_other)`: `STV_DEFAULT`, `STV_HIDDEN`, ... */
  readonly visibility: number;
  /** `st_other` as stored. */
  readonly other: number;
  /**
   * Section index: `st_shndx`, or for `SHN_XINDEX` the real index from the table's
   * `SHT_SYMTAB_SHNDX` section. Reserved values (`SHN_UNDEF`, `SHN_ABS`, `SHN_COMMON`) stay
   * as they are.
   */
  readonly shndx: number;
}

/**
 * The symbol table section of `file`: the `SHT_SYMTAB` one, or failing that `SHT_DYNSYM`.
 * `undefined` if the file has neither (a stripped executable with no dynamic symbols).
 */
export function symbolTableSection(file: ElfFile): ElfSection | undefined {
  return file.sections.find((s) => s.type === SHT_SYMTAB) ?? file.sections.find((s) => s.type === SHT_DYNSYM);
}

/**
 * Reads every symbol of a symbol table, index 0 (the null symbol) included, so that array
 * positions equal the indices relocations use.
 *
 * @param table - the table to read; defaults to {@link symbolTableSection}
 * @returns the symbols, or `[]` if the file has no symbol table
 * @throws {@link ElfError} if the table or its string table runs past the end of the file,
 *   `sh_link` does not name a section, the entry size is too small, or a name is out of range
 *   or unterminated.
 */
export function readSymbols(file: ElfFile, table: ElfSection | undefined = symbolTableSection(file)): ElfSymbol[] {
  if (table === undefined) return [];
  const label = file.label(table);
  const is64 = file.bits === 64;
  const natural = is64 ? SYM64_SIZE : SYM32_SIZE;
  const stride = table.entsize === 0 ? natural : table.entsize;
  if (stride < natural) {
    throw new ElfError(`symbol entry size ${table.entsize} is smaller than a symbol (${natural})`, {
      section: label,
      offset: table.offset,
    });
  }
  const data = file.sectionData(table);
  const count = Math.floor(data.length / stride);

  const strSection = file.sections[table.link];
  if (strSection === undefined || table.link === 0) {
    throw new ElfError(`sh_link ${table.link} does not name a string table section`, {
      section: label,
      offset: table.offset,
    });
  }
  const strings = file.stringTable(strSection);
  const xindex = extendedIndices(file, table, count);

  const r = file.reader;
  const base = data.byteOffset - file.bytes.byteOffset;
  const symbols: ElfSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = base + i * stride;
    let nameOffset: number;
    let info: number;
    let other: number;
    let shndx: number;
    let value: bigint;
    let size: number;
    if (is64) {
      nameOffset = r.u32(at);
      info = r.u8(at + 4);
      other = r.u8(at + 5);
      shndx = r.u16(at + 6);
      value = r.u64n(at + 8);
      size = r.u64(at + 16);
    } else {
      nameOffset = r.u32(at);
      value = BigInt(r.u32(at + 4));
      size = r.u32(at + 8);
      info = r.u8(at + 12);
      other = r.u8(at + 13);
      shndx = r.u16(at + 14);
    }
    if (shndx === SHN_XINDEX) {
      if (xindex === undefined) {
        throw new ElfError(`symbol ${i} has st_shndx SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section for it`, {
          section: label,
          offset: table.offset + i * stride,
        });
      }
      shndx = r.u32(xindex + i * 4);
    }
    let name = '';
    if (nameOffset !== 0) {
      if (nameOffset >= strings.bytes.length) {
        throw new ElfError(
          `symbol ${i}: st_name ${nameOffset} out of range of ${strings.sectionName} (${strings.bytes.length} bytes)`,
          { section: label, offset: table.offset + i * stride },
        );
      }
      name = strings.get(nameOffset);
    }
    symbols[i] = {
      index: i,
      name,
      nameOffset,
      value,
      size,
      bind: info >> 4,
      type: info & 0xf,
      visibility: other & 0x3,
      other,
      shndx,
    };
  }
  return symbols;
}

/**
 * File offset of the `SHT_SYMTAB_SHNDX` array belonging to `table` (the one whose `sh_link`
 * is the table's index), or `undefined` if there is none.
 */
function extendedIndices(file: ElfFile, table: ElfSection, count: number): number | undefined {
  const section = file.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === table.index);
  if (section === undefined) return undefined;
  const data = file.sectionData(section);
  if (data.length < count * 4) {
    throw new ElfError(`extended index table has ${Math.floor(data.length / 4)} entries for ${count} symbols`, {
      section: file.label(section),
      offset: section.offset,
    });
  }
  return data.byteOffset - file.bytes.byteOffset;
}
