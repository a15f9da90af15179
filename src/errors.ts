/**
 * Every error tsbpf throws on purpose is a {@link TsbpfError}. Parsers never let a
 * `RangeError` from a `DataView` escape: bad input always surfaces as one of these classes,
 * with the coordinate of the fault (offset, type ID, section, command) leading the message.
 *
 * @module
 */

/** Base class of all tsbpf errors. */
export class TsbpfError extends Error {
  override name = 'TsbpfError';
}

/** Where in a BTF blob a fault was found. */
export interface BtfLocation {
  /** Byte offset from the start of the blob. */
  offset?: number;
  /** Type ID the fault belongs to. */
  typeId?: number;
}

/**
 * Malformed or inconsistent BTF: bad header, overrunning sections, unknown kinds,
 * dangling references, reference loops, a split blob on the wrong base.
 */
export class BtfError extends TsbpfError {
  override name = 'BtfError';
  readonly offset: number | undefined;
  readonly typeId: number | undefined;

  constructor(message: string, where: BtfLocation = {}) {
    const prefix: string[] = [];
    if (where.typeId !== undefined) prefix.push(`type [${where.typeId}]`);
    if (where.offset !== undefined) prefix.push(`offset ${where.offset}`);
    super(prefix.length > 0 ? `${prefix.join(' at ')}: ${message}` : message);
    this.offset = where.offset;
    this.typeId = where.typeId;
  }
}

/** Malformed ELF, or an ELF that lacks what was asked of it (such as a `.BTF` section). */
export class ElfError extends TsbpfError {
  override name = 'ElfError';
  readonly offset: number | undefined;
  readonly section: string | undefined;

  constructor(message: string, where: { offset?: number; section?: string } = {}) {
    const prefix: string[] = [];
    if (where.section !== undefined) prefix.push(`section ${where.section}`);
    if (where.offset !== undefined) prefix.push(`offset ${where.offset}`);
    super(prefix.length > 0 ? `${prefix.join(' at ')}: ${message}` : message);
    this.offset = where.offset;
    this.section = where.section;
  }
}

/** Something the caller asked for that does not exist: a module, a type name, a BTF object ID. */
export class NotFoundError extends TsbpfError {
  override name = 'NotFoundError';
}

/** A name that matches in several places where one was needed (e.g. an attach target). */
export class AmbiguousError extends TsbpfError {
  override name = 'AmbiguousError';
  /** Where the name was found, as `object:name` strings. */
  readonly candidates: readonly string[];

  constructor(message: string, candidates: readonly string[]) {
    super(`${message}: candidates ${candidates.join(', ')}`);
    this.candidates = candidates;
  }
}

/**
 * A syscall that failed. Carries the errno (number and symbolic name), the command, and for
 * loads the kernel's verifier log.
 */
export class KernelError extends TsbpfError {
  override name = 'KernelError';
  readonly errno: number;
  readonly code: string;
  readonly command: string;
  readonly log: string | undefined;

  constructor(command: string, errno: number, code: string, detail: string, log?: string) {
    const tail = log !== undefined && log.length > 0 ? `\n${log.trimEnd()}` : '';
    super(`${command}: ${code} (errno ${errno}): ${detail}${tail}`);
    this.command = command;
    this.errno = errno;
    this.code = code;
    this.log = log;
  }
}

/** The running kernel (or the machine) lacks a feature; says which version brought it, where known. */
export class NotSupportedError extends TsbpfError {
  override name = 'NotSupportedError';
  readonly minKernel: string | undefined;

  constructor(message: string, minKernel?: string) {
    super(minKernel !== undefined ? `${message} (needs Linux ${minKernel} or later)` : message);
    this.minKernel = minKernel;
  }
}

/** Bad command-line usage: unknown command, missing or malformed argument. */
export class UsageError extends TsbpfError {
  override name = 'UsageError';
}

/** Where in a BPF object or program a fault was found. */
export interface ObjectLocation {
  /** ELF section name. */
  section?: string;
  /** Program (function) name. */
  program?: string;
  /** Map name. */
  map?: string;
  /** Symbol name. */
  symbol?: string;
  /** Instruction index (slots) within the program or section. */
  insn?: number;
  /** Byte offset (within the section, or the file for ELF-level faults). */
  offset?: number;
}

/**
 * A BPF object (clang `-target bpf` ELF) that cannot be turned into programs and maps: bad
 * relocations, missing symbols, bad map definitions, unknown section kinds, malformed code.
 */
export class ObjectError extends TsbpfError {
  override name = 'ObjectError';
  readonly section: string | undefined;
  readonly program: string | undefined;
  readonly map: string | undefined;
  readonly symbol: string | undefined;
  readonly insn: number | undefined;
  readonly offset: number | undefined;

  constructor(message: string, where: ObjectLocation = {}, options?: { cause?: unknown }) {
    const prefix: string[] = [];
    if (where.section !== undefined) prefix.push(`section ${where.section}`);
    if (where.program !== undefined) prefix.push(`program ${where.program}`);
    if (where.map !== undefined) prefix.push(`map ${where.map}`);
    if (where.symbol !== undefined) prefix.push(`symbol ${where.symbol}`);
    if (where.insn !== undefined) prefix.push(`insn ${where.insn}`);
    if (where.offset !== undefined) prefix.push(`offset ${where.offset}`);
    super(prefix.length > 0 ? `${prefix.join(': ')}: ${message}` : message, options);
    this.section = where.section;
    this.program = where.program;
    this.map = where.map;
    this.symbol = where.symbol;
    this.insn = where.insn;
    this.offset = where.offset;
  }
}

/** Instructions that cannot be decoded, encoded or assembled (bad field, unknown label, bad jump). */
export class AsmError extends TsbpfError {
  override name = 'AsmError';
  /** Instruction index (slots) the fault belongs to, where known. */
  readonly insn: number | undefined;

  constructor(message: string, insn?: number) {
    super(insn !== undefined ? `insn ${insn}: ${message}` : message);
    this.insn = insn;
  }
}

/** Where in a program a CO-RE relocation fault was found. */
export interface CoreLocation {
  /** Program (function) name. */
  program?: string;
  /** Index of the relocation (libbpf's `relo #N`). */
  relocation?: number;
  /** Instruction index (slots) within the function as compiled. */
  insn?: number;
}

/**
 * A CO-RE relocation that cannot be resolved or applied: a malformed record or access string,
 * candidates that disagree, an instruction that does not hold what the relocation expects.
 * The message leads with program → relocation → instruction.
 */
export class CoreError extends TsbpfError {
  override name = 'CoreError';
  readonly program: string | undefined;
  readonly relocation: number | undefined;
  readonly insn: number | undefined;

  constructor(message: string, where: CoreLocation = {}, options?: { cause?: unknown }) {
    const prefix: string[] = [];
    if (where.program !== undefined) prefix.push(`program ${where.program}`);
    if (where.relocation !== undefined) prefix.push(`relocation #${where.relocation}`);
    if (where.insn !== undefined) prefix.push(`insn ${where.insn}`);
    super(prefix.length > 0 ? `${prefix.join(': ')}: ${message}` : message, options);
    this.program = where.program;
    this.relocation = where.relocation;
    this.insn = where.insn;
  }
}
