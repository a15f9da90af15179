/**
 * Numeric constants of the ELF format (System V ABI, `elf.h`) that the reader and its callers
 * need. Names follow `elf.h` so they can be looked up there.
 *
 * @module
 */

/** `e_ident[EI_CLASS]`: 32-bit objects. */
export const ELFCLASS32 = 1;
/** `e_ident[EI_CLASS]`: 64-bit objects. */
export const ELFCLASS64 = 2;
/** `e_ident[EI_DATA]`: two's complement, little-endian. */
export const ELFDATA2LSB = 1;
/** `e_ident[EI_DATA]`: two's complement, big-endian. */
export const ELFDATA2MSB = 2;

/** `e_type`: relocatable file (`.o`, `.ko`). */
export const ET_REL = 1;
/** `e_type`: executable (`vmlinux`). */
export const ET_EXEC = 2;
/** `e_type`: shared object or position-independent executable. */
export const ET_DYN = 3;
/** `e_type`: core file. */
export const ET_CORE = 4;

/** `e_machine`: Intel 80386. */
export const EM_386 = 3;
/** `e_machine`: AMD x86-64. */
export const EM_X86_64 = 62;
/** `e_machine`: ARM 64-bit. */
export const EM_AARCH64 = 183;
/** `e_machine`: Linux BPF. */
export const EM_BPF = 247;

/** Undefined section index (also "no section name table" in `e_shstrndx`). */
export const SHN_UNDEF = 0;
/** First reserved section index; indices from here on are not real sections. */
export const SHN_LORESERVE = 0xff00;
/** Symbol has an absolute value, not relative to any section. */
export const SHN_ABS = 0xfff1;
/** Common (unallocated, tentatively defined) symbol. */
export const SHN_COMMON = 0xfff2;
/** The real index lives elsewhere: section 0's fields, or `SHT_SYMTAB_SHNDX`. */
export const SHN_XINDEX = 0xffff;
/** `e_phnum` escape: the real program header count is in section 0's `sh_info`. */
export const PN_XNUM = 0xffff;

/** Section type: unused header (index 0). */
export const SHT_NULL = 0;
/** Section type: program-defined contents. */
export const SHT_PROGBITS = 1;
/** Section type: full symbol table. */
export const SHT_SYMTAB = 2;
/** Section type: string table. */
export const SHT_STRTAB = 3;
/** Section type: relocations with explicit addends. */
export const SHT_RELA = 4;
/** Section type: symbol hash table. */
export const SHT_HASH = 5;
/** Section type: dynamic linking information. */
export const SHT_DYNAMIC = 6;
/** Section type: notes. */
export const SHT_NOTE = 7;
/** Section type: occupies no file space (`.bss`). */
export const SHT_NOBITS = 8;
/** Section type: relocations without addends. */
export const SHT_REL = 9;
/** Section type: dynamic symbol table. */
export const SHT_DYNSYM = 11;
/** Section type: section group (COMDAT). */
export const SHT_GROUP = 17;
/** Section type: extended section indices for a symbol table. */
export const SHT_SYMTAB_SHNDX = 18;

/** Section flag: writable at run time. */
export const SHF_WRITE = 0x1;
/** Section flag: occupies memory at run time. */
export const SHF_ALLOC = 0x2;
/** Section flag: executable instructions. */
export const SHF_EXECINSTR = 0x4;
/** Section flag: mergeable elements. */
export const SHF_MERGE = 0x10;
/** Section flag: NUL-terminated strings. */
export const SHF_STRINGS = 0x20;
/** Section flag: `sh_info` holds a section index. */
export const SHF_INFO_LINK = 0x40;
/** Section flag: member of a section group. */
export const SHF_GROUP = 0x200;
/** Section flag: thread-local storage. */
export const SHF_TLS = 0x400;
/** Section flag: data starts with a compression header (`Elf_Chdr`). */
export const SHF_COMPRESSED = 0x800;

/** Symbol binding: local to the object. */
export const STB_LOCAL = 0;
/** Symbol binding: global. */
export const STB_GLOBAL = 1;
/** Symbol binding: weak global. */
export const STB_WEAK = 2;

/** Symbol type: unspecified. */
export const STT_NOTYPE = 0;
/** Symbol type: data object. */
export const STT_OBJECT = 1;
/** Symbol type: function. */
export const STT_FUNC = 2;
/** Symbol type: a section (name is the section's). */
export const STT_SECTION = 3;
/** Symbol type: source file name. */
export const STT_FILE = 4;
/** Symbol type: common block. */
export const STT_COMMON = 5;
/** Symbol type: thread-local object. */
export const STT_TLS = 6;

/** Symbol visibility: as given by the binding. */
export const STV_DEFAULT = 0;
/** Symbol visibility: internal. */
export const STV_INTERNAL = 1;
/** Symbol visibility: hidden from other components. */
export const STV_HIDDEN = 2;
/** Symbol visibility: protected (not preemptible). */
export const STV_PROTECTED = 3;

/** BPF relocation: none. */
export const R_BPF_NONE = 0;
/** BPF relocation: 64-bit immediate of an `ld_imm64` (map or global data reference). */
export const R_BPF_64_64 = 1;
/** BPF relocation: absolute 64-bit data word. */
export const R_BPF_64_ABS64 = 2;
/** BPF relocation: absolute 32-bit data word. */
export const R_BPF_64_ABS32 = 3;
/** BPF relocation: 32-bit data word not resolved at load (`.BTF.ext`). */
export const R_BPF_64_NODYLD32 = 4;
/** BPF relocation: call target (BPF-to-BPF or kfunc call). */
export const R_BPF_64_32 = 10;
