/**
 * What a BPF object holds, read into plain specs: programs (one per function), maps (BTF-defined,
 * legacy, global data), externs, license, and the object's BTF.
 *
 * @module
 */

import type { Instruction } from '../asm/instruction.js';
import type { CoreRelo } from '../btf/ext/core-relo.js';
import type { LineInfo } from '../btf/ext/records.js';
import type { Spec } from '../btf/spec.js';
import type { Type } from '../btf/types.js';
import type { SectionKind } from './section-defs.js';
import type { AttachType, MapType, ProgramType } from './types.js';

/** A function's BTF `FUNC` at an instruction: func_info with an instruction index. */
export interface ProgramFuncInfo {
  /** Instruction index (slots) within the program. */
  insn: number;
  /** Type ID of the `BTF_KIND_FUNC` in the object's BTF. */
  typeId: number;
}

/** A line_info record with its instruction index within the program. */
export interface ProgramLineInfo extends LineInfo {
  /** Instruction index (slots) within the program. */
  insn: number;
}

/**
 * A CO-RE relocation of a program: `insnOff` is the byte offset within the program (not the
 * section), `insn` the same as an instruction index.
 */
export interface ProgramCoreRelo extends CoreRelo {
  /** Instruction index (slots) within the program. */
  insn: number;
  /** Its index among its section's CO-RE records in `.BTF.ext`: libbpf's `relo #N`. */
  index: number;
  /** Its section's place among the `.BTF.ext` CO-RE sections (libbpf relocates in that order). */
  sectionOrder: number;
}

/** An `ld_imm64` that loads a map: becomes `BPF_PSEUDO_MAP_FD` with the map's fd. */
export interface MapReference {
  /** Discriminant. */
  kind: 'map';
  /** Index (slots) of the `ld_imm64`'s first slot within the program. */
  insn: number;
  /** {@link MapSpec.name} of the map. */
  map: string;
}

/**
 * An `ld_imm64` that loads the address of a map value: global data (`.bss`, `.data`,
 * `.rodata...`) or a Kconfig extern in `.kconfig`. Becomes `BPF_PSEUDO_MAP_VALUE` with the map's
 * fd in the first slot's `imm` and {@link offset} in the second's.
 */
export interface MapValueReference {
  /** Discriminant. */
  kind: 'map-value';
  /** Index (slots) of the `ld_imm64`'s first slot within the program. */
  insn: number;
  /** {@link MapSpec.name} of the global data (or `.kconfig`) map. */
  map: string;
  /** Byte offset within the map value. */
  offset: number;
  /** The extern it stands for, for `.kconfig`. */
  extern?: string;
}

/** A bpf-to-bpf call (`BPF_PSEUDO_CALL`) of a subprogram; resolved by {@link linkProgram}. */
export interface CallReference {
  /** Discriminant. */
  kind: 'call';
  /** Index (slots) of the call instruction within the program. */
  insn: number;
  /** Function name of the callee. */
  target: string;
}

/** An `ld_imm64` of a subprogram's address (a callback); becomes `BPF_PSEUDO_FUNC` when linked. */
export interface FuncReference {
  /** Discriminant. */
  kind: 'func';
  /** Index (slots) of the `ld_imm64`'s first slot within the program. */
  insn: number;
  /** Function name of the subprogram whose address is loaded. */
  target: string;
}

/** A call of a kfunc (`BPF_PSEUDO_KFUNC_CALL`), resolved at load to a BTF ID (and module fd). */
export interface KfuncReference {
  /** Discriminant. */
  kind: 'kfunc';
  /** Index (slots) of the call instruction within the program. */
  insn: number;
  /** {@link ExternSpec.name} of the kfunc extern. */
  extern: string;
}

/**
 * An `ld_imm64` of a kernel symbol's address (`__ksym`): a typed ksym becomes
 * `BPF_PSEUDO_BTF_ID`; an untyped one (`const void`) is patched with its kallsyms address.
 * A weak ksym of a function (`if (bpf_kfunc)`) also loads here.
 */
export interface KsymReference {
  /** Discriminant. */
  kind: 'ksym';
  /** Index (slots) of the `ld_imm64`'s first slot within the program. */
  insn: number;
  /** {@link ExternSpec.name} of the ksym extern. */
  extern: string;
}

/** A relocation of a program's instruction, by instruction index within the program. */
export type Reference = MapReference | MapValueReference | CallReference | FuncReference | KfuncReference | KsymReference;

/** One function of the object: an entry-point program, or a subprogram (in `.text`). */
export interface ProgramSpec {
  /** Function name (its ELF symbol). */
  name: string;
  /**
   * ELF section it was compiled into, without the `?` that marks a program not loaded by default
   * (libbpf's convention: `SEC("?tp/...")` is `SEC("tp/...")` with {@link ProgramSpec.autoload} off).
   */
  section: string;
  /** Whether a load loads it unless told otherwise: false for a section written `?name`. */
  autoload: boolean;
  /** Whether this is a subprogram of `.text`, appended to programs that call it. */
  subprogram: boolean;
  /** Program type from the section name; `UNSPEC` (0) when libbpf would not know the name. */
  type: ProgramType;
  /** Expected attach type from the section name (0 where there is none). */
  expectedAttachType: AttachType;
  /** The section's kind, or `undefined` for an unknown name or a subprogram. */
  sectionKind: SectionKind | undefined;
  /** Load flags from the section name (`BPF_F_SLEEPABLE`, `BPF_F_XDP_HAS_FRAGS`). */
  flags: number;
  /** Attach target from the section name, as written: `veth:veth_open`, `syscalls/sys_enter_openat`, or `''`. */
  attachTo: string;
  /** The function's instructions as compiled (references unresolved). */
  instructions: Instruction[];
  /** Byte offset of the function within its section. */
  sectionOffset: number;
  /** Symbol binding: global (or weak) functions are verified on their own by the kernel. */
  global: boolean;
  /** Weak symbol. */
  weak: boolean;
  /** Hidden visibility (`__hidden`): libbpf makes its BTF FUNC static before BTF_LOAD. */
  hidden: boolean;
  /** The function's `.BTF.ext` func_info records, by instruction index within it (empty without `.BTF.ext`). */
  funcInfo: ProgramFuncInfo[];
  /** The function's `.BTF.ext` line_info records, by instruction index within it. */
  lineInfo: ProgramLineInfo[];
  /** The function's CO-RE relocation records, by instruction index within it. */
  coreRelos: ProgramCoreRelo[];
  /** The function's instructions that refer to maps, global data, other functions, kfuncs and ksyms, from its ELF relocations. */
  references: Reference[];
}

/** Where a map came from. */
export type MapOrigin = 'btf' | 'legacy' | 'data' | 'rodata' | 'bss' | 'kconfig';

/** An initial entry of a prog array or map-in-map (`.values = { [1] = &x }`). */
export interface MapSlot {
  /** Index (key). */
  key: number;
  /** Name of the map (for map-in-map) or program (for prog arrays) stored there. */
  value: string;
}

/** A map to create. */
export interface MapSpec {
  /** Name in the object: the symbol, or the section name for global data (`.bss`, `.data.custom`). */
  name: string;
  /** The name given to the kernel (at most 15 characters), as libbpf names it. */
  kernelName: string;
  /** How it was declared: a BTF map in `.maps`, a legacy `maps` section definition, or a global data section. */
  origin: MapOrigin;
  /** ELF section the definition is in. */
  section: string;
  /** Map type, from the definition (`ARRAY` for global data). */
  type: MapType;
  /** Key size in bytes (4 for global data). */
  keySize: number;
  /** Value size in bytes (global data: the section's size). */
  valueSize: number;
  /** Capacity in entries (1 for global data; 0 for a perf event array means one per possible CPU at load). */
  maxEntries: number;
  /** `map_flags` from the definition; for global data, `BPF_F_MMAPABLE` and `BPF_F_RDONLY_PROG` (`.rodata`, `.kconfig`) as libbpf sets them. */
  flags: number;
  /** `numa_node` from the definition (0 when not given). */
  numaNode: number;
  /** `LIBBPF_PIN_NONE` (0) or `LIBBPF_PIN_BY_NAME` (1). */
  pinning: number;
  /** `map_extra` (bloom filter hashes, arena address). */
  mapExtra: bigint;
  /** Key type in the object's BTF, when declared with `__type(key, ...)`. */
  key: Type | undefined;
  /** Value type in the object's BTF (the DATASEC for global data). */
  value: Type | undefined;
  /** The inner map's template for map-in-map types. */
  inner: MapSpec | undefined;
  /** Initial slots of prog arrays and map-in-maps. */
  slots: MapSlot[];
  /** Initial contents of global data (`.data`, `.rodata`: the section's bytes; `.bss`: zeros). */
  data: Uint8Array | undefined;
  /** Global data the program may not write (`.rodata`, `.kconfig`): frozen after it is filled. */
  readOnly: boolean;
}

/** Kind of extern. */
export type ExternKind = 'kconfig' | 'ksym';

/** An `extern` declaration, resolved at load. */
export interface ExternSpec {
  /** Name as declared, with any `___flavour` suffix. */
  name: string;
  /** Name to look up in the kernel: without the `___flavour` suffix. */
  essentialName: string;
  /** `kconfig` for an extern in `.kconfig` (a `CONFIG_*` value), `ksym` for one in `.ksyms` (a kernel symbol or kfunc). */
  kind: ExternKind;
  /** `__weak`: may be absent (resolves to 0). */
  weak: boolean;
  /** A kfunc (a `__ksym` function). */
  func: boolean;
  /** A typed ksym (its BTF type is not `void`) or kfunc: resolved through kernel BTF; else kallsyms. */
  typed: boolean;
  /** BTF VAR (or FUNC) of the extern in the object's BTF. */
  btfId: number;
  /** The variable's type (VAR's type) or the FUNC's prototype. */
  type: Type | undefined;
  /** `.kconfig`: offset in the `.kconfig` map and size in bytes. */
  offset: number;
  /** `.kconfig`: the variable's size in bytes; 0 for a ksym. */
  size: number;
}

/** Everything read from a BPF object. */
export interface ObjectSpec {
  /** Object name: the file name up to its first `.`, as libbpf names it. */
  name: string;
  /** Entry-point programs, in section then offset order. */
  programs: ProgramSpec[];
  /** Subprograms (functions in `.text`), by name. */
  subprograms: ProgramSpec[];
  /** Maps to create: BTF-defined (`.maps`), then legacy (`maps`), then global data and `.kconfig`. */
  maps: MapSpec[];
  /** Extern declarations: `.kconfig` ones first (in their layout order), then ksyms by name. */
  externs: ExternSpec[];
  /** The `license` section's string, `''` when absent. */
  license: string;
  /** The `version` section's value, 0 when absent. */
  kernelVersion: number;
  /**
   * The object's BTF, fixed up as libbpf does before loading it: DATASEC sizes and VAR offsets
   * from the ELF, `.kconfig` and `.ksyms` laid out (byte-identical to libbpf 1.1 after open).
   */
  btf: Spec | undefined;
  /** The raw bytes behind {@link btf} (what BTF_LOAD is given, after sanitizing). */
  btfBytes: Uint8Array | undefined;
  /** Whether the object is little-endian. */
  littleEndian: boolean;
}
