/**
 * Every error tsbpf throws on purpose is a {@link TsbpfError}. Parsers never let a
 * `RangeError` from a `DataView` escape: bad input always surfaces as one of these classes,
 * with the coordinate of the fault (offset, type ID, section, command) leading the message.
 *
 * @module
 */

/**
 * Base class of all tsbpf errors. Context is added by wrapping, never by rewriting a message:
 * an error raised while working on something else carries the original as its `cause`
 * (see {@link inObject}).
 */
export class TsbpfError extends Error {
  override name = 'TsbpfError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `outer: inner`, either part optional. */
function joinObjects(outer: string | undefined, inner: string | undefined): string | undefined {
  if (outer === undefined) return inner;
  return inner === undefined ? outer : `${outer}: ${inner}`;
}

/** Where in a BTF blob a fault was found. */
export interface BtfLocation {
  /**
   * The BTF object or file the blob is (`module veth`, a path, `BTF object 7 (veth)`): it leads
   * the message, before the type and offset.
   */
  object?: string;
  /** Byte offset from the start of the blob. */
  offset?: number;
  /** Type ID the fault belongs to. */
  typeId?: number;
}

/**
 * Malformed or inconsistent BTF: bad header, overrunning sections, unknown kinds,
 * dangling references, reference loops, a split blob on the wrong base. The message is
 * `<object>: type [<id>] at offset <n>: <detail>`, each coordinate present when known.
 */
export class BtfError extends TsbpfError {
  override name = 'BtfError';
  /** The BTF object or file, when known. */
  readonly object: string | undefined;
  /** Byte offset in the blob, when known. */
  readonly offset: number | undefined;
  /** The type ID the fault belongs to, when known. */
  readonly typeId: number | undefined;
  /** The message without its coordinates. */
  readonly detail: string;

  constructor(message: string, where: BtfLocation = {}, options?: { cause?: unknown }) {
    const prefix: string[] = [];
    if (where.typeId !== undefined) prefix.push(`type [${where.typeId}]`);
    if (where.offset !== undefined) prefix.push(`offset ${where.offset}`);
    const located = prefix.length > 0 ? `${prefix.join(' at ')}: ${message}` : message;
    super(where.object !== undefined ? `${where.object}: ${located}` : located, options);
    this.object = where.object;
    this.offset = where.offset;
    this.typeId = where.typeId;
    this.detail = message;
  }
}

/** Where in an ELF file a fault was found. */
export interface ElfLocation {
  /** The file (a path, `module veth`): it leads the message. */
  object?: string;
  /** Section name. */
  section?: string;
  /** Byte offset (in the section when one is named, else in the file). */
  offset?: number;
}

/**
 * Malformed ELF, or an ELF that lacks what was asked of it (such as a `.BTF` section). The
 * message is `<object>: section <name> at offset <n>: <detail>`, each coordinate when known.
 */
export class ElfError extends TsbpfError {
  override name = 'ElfError';
  /** The file, when known. */
  readonly object: string | undefined;
  /** Byte offset (in the section when one is named, else in the file), when known. */
  readonly offset: number | undefined;
  /** The section name, when the fault is in one. */
  readonly section: string | undefined;
  /** The message without its coordinates. */
  readonly detail: string;

  constructor(message: string, where: ElfLocation = {}, options?: { cause?: unknown }) {
    const prefix: string[] = [];
    if (where.section !== undefined) prefix.push(`section ${where.section}`);
    if (where.offset !== undefined) prefix.push(`offset ${where.offset}`);
    const located = prefix.length > 0 ? `${prefix.join(' at ')}: ${message}` : message;
    super(where.object !== undefined ? `${where.object}: ${located}` : located, options);
    this.object = where.object;
    this.offset = where.offset;
    this.section = where.section;
    this.detail = message;
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

/** Options of {@link KernelError}. */
export interface KernelErrorOptions {
  /** The kernel's log (verifier or BTF), kept whole in {@link KernelError.log}. */
  log?: string;
  /**
   * What the call was about, leading the message: `program handle_exec`, `BTF object 7 (veth)`,
   * `module veth`.
   */
  object?: string;
  /** The error this one wraps. */
  cause?: unknown;
}

/** Log lines that close a verifier log without saying what went wrong. */
const LOG_TRAILER = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|-- END)/;

/**
 * The last line of a kernel log (verifier or BTF) that says something: blank lines and the
 * verifier's closing statistics (`processed N insns ...`, `verification time ...`, `stack depth
 * ...`) are passed over. `undefined` for an empty log.
 */
export function lastLogLine(log: string | undefined): string | undefined {
  if (log === undefined) return undefined;
  const lines = log.split('\n');
  let fallback: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!LOG_TRAILER.test(line)) return line;
    fallback ??= line;
  }
  return fallback;
}

/**
 * A syscall that failed. Carries the errno (number and symbolic name), the command, the object
 * it was about, and for loads the kernel's log.
 *
 * The message is one line: `[<object>: ]<command>: <code> (errno <n>): <detail>[: <last log
 * line>]`, where the last log line is the last one that says something ({@link lastLogLine}).
 * The whole log is {@link KernelError.log}: a program's verifier log can run to thousands of
 * lines, so print it where the user asked for detail (the CLI prints it with `--debug`).
 */
export class KernelError extends TsbpfError {
  override name = 'KernelError';
  /** The errno the kernel returned (`22`). */
  readonly errno: number;
  /** Its symbolic name (`EINVAL`). */
  readonly code: string;
  /** The command that failed (`BPF_PROG_LOAD`, `perf_event_open`). */
  readonly command: string;
  /** What the call was about (`program handle_exec`), when known. */
  readonly object: string | undefined;
  /** The description of the failure, without command, code, object or log. */
  readonly detail: string;
  /** The kernel's whole log (verifier or BTF), when one was collected. */
  readonly log: string | undefined;

  /**
   * @param options - the log, object and cause; a string is the log (the older form).
   */
  constructor(command: string, errno: number, code: string, detail: string, options?: string | KernelErrorOptions) {
    const o: KernelErrorOptions = typeof options === 'string' ? { log: options } : (options ?? {});
    const last = lastLogLine(o.log);
    const head = o.object !== undefined ? `${o.object}: ${command}` : command;
    super(`${head}: ${code} (errno ${errno}): ${detail}${last !== undefined ? `: ${last}` : ''}`, { cause: o.cause });
    this.command = command;
    this.errno = errno;
    this.code = code;
    this.object = o.object;
    this.detail = detail;
    this.log = o.log;
  }
}

/** The running kernel (or the machine) lacks a feature; says which version brought it, where known. */
export class NotSupportedError extends TsbpfError {
  override name = 'NotSupportedError';
  /** The first kernel release that has the feature (`5.8`), when known. */
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
  /** ELF section name, when known. */
  readonly section: string | undefined;
  /** Program (function) name, when known. */
  readonly program: string | undefined;
  /** Map name, when known. */
  readonly map: string | undefined;
  /** Symbol name, when known. */
  readonly symbol: string | undefined;
  /** Instruction index (slots) within the program or section, when known. */
  readonly insn: number | undefined;
  /** Byte offset (within the section, or the file for ELF-level faults), when known. */
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
  /** Program (function) name, when known. */
  readonly program: string | undefined;
  /** Index of the relocation (libbpf's `relo #N`), when known. */
  readonly relocation: number | undefined;
  /** Instruction index (slots) within the function as compiled, when known. */
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

/**
 * `err` as raised while working on `object` (a file path, `module veth`, `BTF object 7 (veth)`):
 * a new error of the same class whose message leads with `object`, with the same coordinates
 * and `err` as its `cause`. For a {@link BtfError}, {@link ElfError} or {@link KernelError} the
 * object joins the error's own (`module veth: /sys/kernel/btf/veth: type [5]: ...`); a plain
 * {@link TsbpfError} gets the object as a prefix. Any other error (another subclass, a
 * non-tsbpf error) is returned as it is: its class says what it is about.
 */
export function inObject(err: unknown, object: string): unknown {
  if (err instanceof BtfError) {
    const where = { object: joinObjects(object, err.object), typeId: err.typeId, offset: err.offset };
    if (err instanceof BtfRuleError) return new BtfRuleError(err.rule, err.level, err.detail, where, { cause: err });
    return new BtfError(err.detail, where, { cause: err });
  }
  if (err instanceof ElfError) {
    const where = { object: joinObjects(object, err.object), section: err.section, offset: err.offset };
    return new ElfError(err.detail, where, { cause: err });
  }
  if (err instanceof KernelError) {
    const options = { object: joinObjects(object, err.object), log: err.log, cause: err };
    return new KernelError(err.command, err.errno, err.code, err.detail, options);
  }
  if (err instanceof TsbpfError && Object.getPrototypeOf(err) === TsbpfError.prototype) {
    return new TsbpfError(`${object}: ${err.message}`, { cause: err });
  }
  return err;
}

/**
 * A file or stream that could not be opened, read or written, or that tsbpf refuses to touch (a
 * device given as input, an output that is one of the inputs). The message leads with the path
 * (or `standard output`) and carries the system's errno text once.
 */
export class IoError extends TsbpfError {
  override name = 'IoError';
  /** The file or stream, as the user named it. */
  readonly path: string;
  /** The errno name (`ENOSPC`), when a system call failed. */
  readonly code: string | undefined;

  constructor(path: string, message: string, options: { code?: string; cause?: unknown } = {}) {
    super(`${path}: ${message}`, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.path = path;
    this.code = options.code;
  }
}

/**
 * The verifier refused a program. The message is one line: `program <name>: BPF_PROG_LOAD:
 * <code> (errno <n>): rejected by the verifier: <the log's last meaningful lines>`; the whole
 * verifier log is {@link KernelError.log}.
 */
export class VerifierError extends KernelError {
  override name = 'VerifierError';
  /** The program's name. */
  readonly program: string;
  override readonly log: string;

  constructor(program: string, errno: number, code: string, summary: string, log: string) {
    super('BPF_PROG_LOAD', errno, code, summary, { object: `program ${program}` });
    this.program = program;
    this.log = log;
  }
}

/**
 * Generating from BTF failed on its input: BPF objects with no CO-RE relocations, relocations
 * that reach no type of the target BTF, a module that is not there. The message leads with the
 * object (file, module) and, for a relocation, its program, relocation and instruction.
 */
export class GenError extends TsbpfError {
  override name = 'GenError';
}

/**
 * BTF that breaks one named rule of the kernel's BTF verifier (kernel/bpf/btf.c). `level` says
 * which validation refused it: `format` (no well-formed BTF file holds this) or `loadable` (a
 * valid file, which the kernel's BPF_BTF_LOAD refuses until a loader rewrites it). `rule` is a
 * stable identifier (`datasec-entry-order`); the message leads with the type ID and ends with
 * the kernel's own wording for the rule, where it has one.
 */
export class BtfRuleError extends BtfError {
  override name = 'BtfRuleError';
  /** The rule's identifier. */
  readonly rule: string;
  /** The validation level that refused the BTF. */
  readonly level: 'format' | 'loadable';

  constructor(
    rule: string,
    level: 'format' | 'loadable',
    message: string,
    where: BtfLocation = {},
    options?: { cause?: unknown },
  ) {
    super(message, where, options);
    this.rule = rule;
    this.level = level;
  }
}

/** One of the types a {@link MultipleTypesError} lists. */
export interface TypeCandidate {
  /** The BTF object the type belongs to (`vmlinux`, a module's name); `''` when unnamed. */
  readonly object: string;
  /** The type's ID. */
  readonly id: number;
  /** The type's kind (`struct`, `var`, ...). */
  readonly kind: string;
}

/**
 * A type name that names several types where a lookup needed exactly one (cilium/ebpf's
 * `ErrMultipleTypes`): `Spec.typeByName` without a kind on a name that a struct and a variable
 * share, or a name that a module and vmlinux both define. The message leads with the object
 * and the name and lists every candidate's ID and kind; `types` holds them as data.
 */
export class MultipleTypesError extends AmbiguousError {
  override name = 'MultipleTypesError';
  /** The name looked up. */
  readonly typeName: string;
  /** The kind asked for, if one was. */
  readonly kind: string | undefined;
  /** Every type of that name (and kind), in ID order. */
  readonly types: readonly TypeCandidate[];

  constructor(object: string, typeName: string, kind: string | undefined, types: readonly TypeCandidate[]) {
    const what = kind === undefined ? 'types' : `${kind} types`;
    const hint = kind === undefined ? 'pass a kind, or use' : 'use';
    super(
      `${object ? `${object}: ` : ''}'${typeName}' names ${types.length} ${what} (${hint} typesByName for all, anyTypeByName for the first)`,
      types.map((t) => `${t.object ? `${t.object} ` : ''}[${t.id}] ${t.kind}`),
    );
    this.typeName = typeName;
    this.kind = kind;
    this.types = types;
  }
}
