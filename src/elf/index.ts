/**
 * A small zero-copy ELF reader: header, sections, symbols and relocations of ELF32 and ELF64
 * files in either byte order. Used to find `.BTF`, `.BTF.ext` and `.BTF.base` in kernel
 * modules, BPF objects and `vmlinux`, and to read BPF objects' symbols and relocations.
 *
 * Every malformed input surfaces as an {@link ElfError} naming the offset and section.
 *
 * @module
 */

export { ElfError } from '../errors.js';
export type { ByteReader } from './byte-reader.js';
export * from './constants.js';
export { ElfFile, parseElf } from './file.js';
export type { ElfHeader } from './header.js';
export { isElf } from './magic.js';
export { type ElfRelocation, readRelocations, relocationSectionsFor } from './relocations.js';
export type { ElfSection } from './section.js';
export { ElfStringTable } from './string-table.js';
export { type ElfSymbol, readSymbols, symbolTableSection } from './symbols.js';
