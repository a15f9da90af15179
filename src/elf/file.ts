/**
 * An ELF file opened for reading: header, section table, and zero-copy access to section data.
 *
 * @module
 */

import { ElfError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { PN_XNUM, SHF_COMPRESSED, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS } from './constants.js';
import { type ElfHeader, readElfHeader } from './header.js';
import { type ElfSection, type RawSection, readSectionHeader, SHDR32_SIZE, SHDR64_SIZE } from './section.js';
import { ElfStringTable } from './string-table.js';

/**
 * A parsed ELF file. Opening one reads only the file header and the section header table (and
 * the section names); section data is handed out as `subarray` views of the caller's bytes, so
 * finding `.BTF` in a large `vmlinux` costs the same as in a small object.
 */
export class ElfFile {
  /** The whole file. Views returned by {@link ElfFile.sectionData} share its memory. */
  readonly bytes: Uint8Array;
  /** The file header as stored. */
  readonly header: ElfHeader;
  /** All section headers in table order; index 0 is the null section when there are any. */
  readonly sections: readonly ElfSection[];
  /** Index of the section header string table, resolved through section 0 if escaped. */
  readonly shstrndx: number;
  /** Number of program headers, resolved through section 0 if escaped. */
  readonly phnum: number;
  /** Word reader over {@link ElfFile.bytes}, set up for the file's class and byte order. */
  readonly reader: ByteReader;

  #byName: Map<string, ElfSection> | undefined;

  /**
   * Parses the header and section table of `bytes`. Prefer {@link parseElf}.
   *
   * @throws {@link ElfError} for anything malformed in the header, the section table or the
   *   section names.
   */
  constructor(bytes: Uint8Array) {
    const { header, reader } = readElfHeader(bytes);
    this.bytes = bytes;
    this.header = header;
    this.reader = reader;

    const fieldsAt = header.bits === 64 ? 48 : 36; // file offset of e_flags
    let count = header.shnum;
    let shstrndx = header.shstrndx;
    let phnum = header.phnum;
    const raw: RawSection[] = [];

    if (header.shoff !== 0) {
      const natural = header.bits === 64 ? SHDR64_SIZE : SHDR32_SIZE;
      if (header.shentsize < natural) {
        throw new ElfError(`e_shentsize ${header.shentsize} is smaller than a section header (${natural})`, {
          offset: fieldsAt + 10,
        });
      }
      reader.ensure(header.shoff, natural, 'section header 0');
      // Extended numbering (gABI "Extended Section Indexes"): when the real values do not fit
      // in the 16-bit header fields they live in section 0's sh_size, sh_link and sh_info.
      const zero = readSectionHeader(reader, header.shoff, 0);
      if (count === 0) count = zero.size;
      if (shstrndx === SHN_XINDEX) shstrndx = zero.link;
      if (phnum === PN_XNUM) phnum = zero.info;
      reader.ensure(header.shoff, count * header.shentsize, `section header table of ${count} entries`);
      if (count > 0) raw.push(zero);
      for (let i = 1; i < count; i++) {
        raw.push(readSectionHeader(reader, header.shoff + i * header.shentsize, i));
      }
    } else {
      count = 0;
    }
    this.phnum = phnum;

    let names: ElfStringTable | undefined;
    if (shstrndx !== SHN_UNDEF) {
      const table = raw[shstrndx];
      if (table === undefined) {
        throw new ElfError(`bad e_shstrndx ${shstrndx}: the file has ${count} sections`, { offset: fieldsAt + 14 });
      }
      names = new ElfStringTable(this.#dataOf(table, `[${shstrndx}]`), `[${shstrndx}] (section names)`, table.offset);
    }
    this.shstrndx = shstrndx;

    const sections: ElfSection[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const s = raw[i] as RawSection;
      let name = '';
      if (names !== undefined) {
        if (s.nameOffset >= names.bytes.length) {
          throw new ElfError(`sh_name ${s.nameOffset} out of range of the section name table (${names.bytes.length} bytes)`, {
            section: `[${i}]`,
            offset: header.shoff + i * header.shentsize,
          });
        }
        name = names.get(s.nameOffset);
      }
      sections[i] = { ...s, name };
    }
    this.sections = sections;
  }

  /** `EI_CLASS`: 32 or 64. */
  get bits(): 32 | 64 {
    return this.header.bits;
  }

  /** Whether the file is little-endian (`EI_DATA` is `ELFDATA2LSB`). */
  get littleEndian(): boolean {
    return this.header.littleEndian;
  }

  /** `e_type` (`ET_REL`, `ET_EXEC`, `ET_DYN`, ...). */
  get type(): number {
    return this.header.type;
  }

  /** `e_machine` (`EM_BPF`, `EM_X86_64`, ...). */
  get machine(): number {
    return this.header.machine;
  }

  /** The first section called `name`, or `undefined`. */
  section(name: string): ElfSection | undefined {
    if (this.#byName === undefined) {
      const map = new Map<string, ElfSection>();
      for (const s of this.sections) if (!map.has(s.name)) map.set(s.name, s);
      this.#byName = map;
    }
    return this.#byName.get(name);
  }

  /** The section at `index` in the section header table, or `undefined`. */
  sectionAt(index: number): ElfSection | undefined {
    return this.sections[index];
  }

  /** All sections of type `type` (such as `SHT_SYMTAB`), in table order. */
  sectionsOfType(type: number): ElfSection[] {
    return this.sections.filter((s) => s.type === type);
  }

  /**
   * The section's contents as a view of {@link ElfFile.bytes} (no copy). `SHT_NOBITS`
   * sections (such as `.bss`) give an empty view.
   *
   * @throws {@link ElfError} if the data runs past the end of the file, or the section is
   *   compressed (`SHF_COMPRESSED`), which is not supported.
   */
  sectionData(section: ElfSection): Uint8Array {
    if ((section.flags & SHF_COMPRESSED) !== 0 && section.type !== SHT_NOBITS) {
      throw new ElfError('compressed sections not supported', {
        section: this.label(section),
        offset: section.offset,
      });
    }
    return this.#dataOf(section, this.label(section));
  }

  /**
   * The section's bytes exactly as stored, compression header included, as a view (no copy).
   *
   * @throws {@link ElfError} if the data runs past the end of the file.
   */
  rawSectionData(section: ElfSection): Uint8Array {
    return this.#dataOf(section, this.label(section));
  }

  /**
   * The string table in `section` (normally one named by another section's `sh_link`).
   *
   * @throws {@link ElfError} if its data cannot be read.
   */
  stringTable(section: ElfSection): ElfStringTable {
    return new ElfStringTable(this.sectionData(section), this.label(section), section.offset);
  }

  /** How errors name `section`: its name, or `[index]` when it has none. */
  label(section: ElfSection): string {
    return section.name !== '' ? section.name : `[${section.index}]`;
  }

  #dataOf(section: RawSection, label: string): Uint8Array {
    if (section.type === SHT_NOBITS) return this.bytes.subarray(0, 0);
    this.reader.ensure(section.offset, section.size, 'section data', label);
    return this.bytes.subarray(section.offset, section.offset + section.size);
  }
}

/**
 * Opens an ELF file held in memory. Reads the header and section table only; the bytes are
 * not copied: the returned file and every section view share their memory.
 *
 * @throws {@link ElfError} for a bad magic number, a truncated header or section table, a bad
 *   `e_shstrndx`, or section names out of range or unterminated.
 */
export function parseElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}
