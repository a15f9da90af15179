/**
 * The parts of a BPF ELF object the reader works from: sections by index and name, symbols,
 * and which sections hold code, maps and global data.
 *
 * @module
 */

import {
  type ElfFile,
  type ElfSection,
  type ElfSymbol,
  EM_BPF,
  parseElf,
  readSymbols,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  STB_GLOBAL,
  STB_WEAK,
  STT_NOTYPE,
} from '../elf/index.js';
import { ObjectError } from '../errors.js';

/** Kinds of global-data sections. */
export type DataKind = 'data' | 'rodata' | 'bss';

/** A parsed BPF object's ELF layer. */
export interface ElfObject {
  readonly elf: ElfFile;
  readonly symbols: readonly ElfSymbol[];
  /** Sections holding code (`SHF_EXECINSTR`, non-empty). */
  readonly code: readonly ElfSection[];
  /** Global-data sections and their kind. */
  readonly data: ReadonlyMap<number, DataKind>;
  /** The `.text` section, if any. */
  readonly text: ElfSection | undefined;
  /** The `.maps` section (BTF-defined maps), if any. */
  readonly btfMaps: ElfSection | undefined;
  /** The `maps` section (legacy definitions), if any. */
  readonly legacyMaps: ElfSection | undefined;
}

/** The global-data kind of a section name (`.data`, `.data.x`, `.rodata.str1.1`, `.bss`), if it is one. */
export function dataKindOf(name: string): DataKind | undefined {
  for (const kind of ['data', 'rodata', 'bss'] as const) {
    if (name === `.${kind}` || name.startsWith(`.${kind}.`)) return kind;
  }
  return undefined;
}

/** Whether `sym` is an extern: undefined, global or weak, without a type (as libbpf tests). */
export function isExternSymbol(sym: ElfSymbol): boolean {
  return (
    sym.shndx === SHN_UNDEF && (sym.bind === STB_GLOBAL || sym.bind === STB_WEAK) && sym.type === STT_NOTYPE && sym.name !== ''
  );
}

/**
 * Opens `bytes` as a BPF object.
 *
 * @throws {@link ObjectError} if it is not a relocatable ELF for `EM_BPF`.
 * @throws {@link ElfError} for a malformed ELF.
 */
export function openElfObject(bytes: Uint8Array): ElfObject {
  const elf = parseElf(bytes);
  if (elf.machine !== EM_BPF) throw new ObjectError(`not a BPF object: e_machine is ${elf.machine}, want EM_BPF (247)`);
  if (elf.bits !== 64) throw new ObjectError('not a BPF object: ELF class is 32-bit');
  if (elf.type !== 1) throw new ObjectError(`not a relocatable object: e_type is ${elf.type}, want ET_REL (1)`);
  const symbols = readSymbols(elf);
  const code: ElfSection[] = [];
  const data = new Map<number, DataKind>();
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    if ((s.flags & SHF_EXECINSTR) !== 0 && s.type === SHT_PROGBITS && s.size > 0) code.push(s);
    else if ((s.flags & SHF_ALLOC) !== 0 && (s.type === SHT_PROGBITS || s.type === SHT_NOBITS)) {
      const kind = dataKindOf(s.name);
      if (kind !== undefined && s.size > 0) data.set(s.index, kind);
    }
  }
  return {
    elf,
    symbols,
    code,
    data,
    text: elf.section('.text'),
    btfMaps: elf.section('.maps'),
    legacyMaps: elf.section('maps'),
  };
}
