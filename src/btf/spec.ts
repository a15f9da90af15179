/**
 * A BTF spec: the types of one blob, optionally on top of a base spec (split BTF). Opening a spec
 * checks its structure and indexes record offsets; types are inflated on first access and cached,
 * so the same ID always yields the same object. Split specs share their base's caches.
 * @module
 */
import { isElf } from '../elf/magic.js';
import { BtfError, MultipleTypesError } from '../errors.js';
import { INSPECT, type InspectOptions, inspectAs } from '../internal/inspect.js';
import { decodeType } from './decode.js';
import { type Header, parseHeader, viewOf } from './header.js';
import { NameIndex } from './name-index.js';
import { StringTable } from './strings.js';
import { TypeSection } from './type-section.js';
import { type Type, type TypeKind, type TypeOfKind, type TypeResolver, Void } from './types.js';
import { validateSpec } from './validate.js';

/** Options for opening a spec. */
export interface SpecOptions {
  /**
   * The blob was produced and verified by the running kernel (a `/sys/kernel/btf` file, or a
   * kernel BTF object's info): the kernel's own BTF verifier has already run the checks
   * {@link Spec.validate} would, so it is skipped. Never set this for BTF from files or objects.
   * @internal set by the kernel layer, which knows where the bytes came from.
   */
  kernelVerified?: boolean;
  /**
   * The BTF object this spec is: `'vmlinux'`, a module's name (`'veth'`), a file's name. It is
   * what a type's {@link Spec.name | spec name} says alongside its ID, since IDs of different
   * objects collide (every module's first own ID follows vmlinux's last). Default `''`.
   */
  name?: string;
}

/** A decoded BTF blob. */
export class Spec implements TypeResolver {
  /**
   * The BTF object this spec is (`'vmlinux'`, a module's or a file's name), from
   * {@link SpecOptions.name}; `''` when the opener gave none. A type's `(spec.name, id)` pair
   * names it across objects.
   */
  readonly name: string;
  /**
   * The whole blob this spec reads from: the caller's bytes, not copied, so they must not change
   * while the spec is in use (types are decoded, names looked up and dumps written from them
   * lazily). Changed bytes give errors or garbage, never a hang.
   */
  readonly bytes: Uint8Array;
  /** The blob's header: byte order and where its sections lie. */
  readonly header: Header;
  /** The base of a split spec; `undefined` for base BTF. */
  readonly base: Spec | undefined;
  /** ID of this spec's first own type: 1 for base BTF, the base's {@link nextId} for split BTF. */
  readonly firstId: number;
  /** The string section (chained to the base's for split BTF): names by offset. */
  readonly strings: StringTable;
  /** @internal the wire records. */
  readonly section: TypeSection;
  /** Inflated types by local index; allocated on the first inflation. */
  private cache: (Type | undefined)[] | undefined;
  private index: NameIndex | undefined;
  private decoded = 0;
  private ownValidated: boolean;
  private validations = 0;
  private readonly voidType: Void;

  /** Use `openSpec` (or `openSpecFile`), which also read ELF files. @internal */
  constructor(bytes: Uint8Array, base: Spec | undefined, options: SpecOptions = {}) {
    if (base !== undefined && !(base instanceof Spec)) {
      throw new BtfError(`the base of split BTF must be a Spec (from loadSpec), not ${describeArgument(base)}`);
    }
    if (options === null || typeof options !== 'object') {
      throw new BtfError(`options must be an object, not ${describeArgument(options)}`);
    }
    if (isElf(bytes)) {
      throw new BtfError('an ELF file, not raw BTF (magic 0x457f): open it with openSpec, which reads its .BTF section', {
        offset: 0,
      });
    }
    this.bytes = bytes;
    this.name = options.name ?? '';
    this.ownValidated = options.kernelVerified === true;
    this.header = parseHeader(bytes);
    this.base = base;
    if (base && base.header.littleEndian !== this.header.littleEndian) {
      throw new BtfError('split BTF and its base differ in byte order', { offset: 0 });
    }
    this.firstId = base ? base.nextId : 1;
    // A plain Uint8Array view even when the caller gave a Node Buffer: each name read takes a
    // subarray of the string section, and a Buffer's subarray is a Buffer, several times dearer
    // to make (a tenth of a walk over every type of vmlinux).
    const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.strings = new StringTable(
      plain.subarray(this.header.strOff, this.header.strOff + this.header.strLen),
      base?.strings,
      this.header.strOff,
    );
    // Split BTF keeps no record index until a record is read: a kernel's thousands of modules
    // are opened together and most are never read (4,023 modules: 3.8 MB of index, a twentieth of
    // their bytes). Their records are checked all the same.
    this.section = new TypeSection(viewOf(bytes), this.header, this.firstId, base !== undefined);
    this.voidType = base ? base.voidType : new Void(0, 'void', this);
  }

  /** Number of this spec's own types (not counting its base's, nor `void`). */
  get count(): number {
    return this.section.count;
  }

  /** One past the highest type ID: libbpf's `btf__type_cnt`. A split spec on this one starts here. */
  get nextId(): number {
    return this.firstId + this.section.count;
  }

  /** How many of this spec's own types have been inflated and cached so far (laziness is observable). */
  get decodedCount(): number {
    return this.decoded;
  }

  /** Whether the name index has been built. */
  get indexed(): boolean {
    return this.index !== undefined;
  }

  /** Whether the blob is little-endian. */
  get littleEndian(): boolean {
    return this.header.littleEndian;
  }

  /** The root spec (vmlinux for a module). */
  get root(): Spec {
    return this.base ? this.base.root : this;
  }

  /** The type with this ID, own or the base's; `undefined` if out of range. ID 0 is `void`. */
  typeById(id: number): Type | undefined {
    if (!Number.isInteger(id) || id < 0) return undefined;
    if (id < this.firstId) {
      if (id === 0) return this.voidType;
      return this.base?.typeById(id);
    }
    const i = id - this.firstId;
    if (i >= this.section.count) return undefined;
    this.cache ??= new Array(this.section.count);
    const cached = this.cache[i];
    if (cached) return cached;
    const t = decodeType(this.section, this.strings, this, i, id);
    this.cache[i] = t;
    this.decoded++;
    return t;
  }

  /**
   * The type with this ID without adding it to the cache: for one-pass walks over every type
   * (dumps, copies) that would otherwise keep ~100k objects alive. Returns the cached object
   * when there is one, so identity holds wherever it was already observed.
   */
  peekType(id: number): Type | undefined {
    if (!Number.isInteger(id) || id < 0) return undefined;
    if (id < this.firstId) return id === 0 ? this.voidType : this.base?.peekType(id);
    const i = id - this.firstId;
    if (i >= this.section.count) return undefined;
    return this.cache?.[i] ?? decodeType(this.section, this.strings, this, i, id);
  }

  /**
   * Like {@link typeById} but throws for a missing ID.
   * @throws {BtfError} if no type has this ID.
   */
  mustTypeById(id: number): Type {
    const t = this.typeById(id);
    if (!t) throw new BtfError(`no such type (IDs run to ${this.nextId - 1})`, { typeId: id });
    return t;
  }

  /** The ID of `type` if it belongs to this spec or a base of it, else `undefined`. */
  typeId(type: Type): number | undefined {
    if (type.id === 0) return 0;
    for (let s: Spec | undefined = this; s; s = s.base) {
      if (type.id >= s.firstId && type.id < s.nextId) return s.typeById(type.id) === type ? type.id : undefined;
    }
    return undefined;
  }

  /** The spec (this one or a base) that owns type `id`. */
  specOf(id: number): Spec | undefined {
    for (let s: Spec | undefined = this; s; s = s.base) if (id >= s.firstId && id < s.nextId) return s;
    return undefined;
  }

  /** This spec's own types, in ID order (not the base's). */
  *types(): IterableIterator<Type> {
    for (let id = this.firstId; id < this.nextId; id++) yield this.typeById(id)!;
  }

  /** Every type from the root base up through this spec, in ID order (without `void`). */
  *allTypes(): IterableIterator<Type> {
    if (this.base) yield* this.base.allTypes();
    yield* this.types();
  }

  /**
   * Every type named `name`, optionally only of one kind, from the root base up through this
   * spec, in ID order. Builds the name index on first use (and validates the spec). Given a
   * kind, the array's type is that kind's class.
   * @throws {BtfError} if the spec (or a base) fails validation when the index is built.
   */
  typesByName<K extends TypeKind = TypeKind>(name: string, kind?: K): TypeOfKind<K>[] {
    checkName(name);
    const out = this.base ? this.base.typesByName(name, kind) : [];
    for (const i of this.nameIndex().lookup(name)) {
      const t = this.typeById(this.firstId + i)!;
      if (kind === undefined || t.kind === kind) out.push(t as TypeOfKind<K>);
    }
    return out;
  }

  /**
   * Only this spec's own types named `name` (the base is not searched), optionally of one kind.
   * @throws {BtfError} if the spec fails validation when the index is built.
   */
  ownTypesByName<K extends TypeKind = TypeKind>(name: string, kind?: K): TypeOfKind<K>[] {
    checkName(name);
    const out: TypeOfKind<K>[] = [];
    for (const i of this.nameIndex().lookup(name)) {
      const t = this.typeById(this.firstId + i)!;
      if (kind === undefined || t.kind === kind) out.push(t as TypeOfKind<K>);
    }
    return out;
  }

  /**
   * The one type named `name` (of `kind`, if given), or `undefined` if there is none; given a
   * kind, typed as that kind's class (`typeByName('task_struct', 'struct')?.members`). Like
   * cilium/ebpf's `TypeByName`, a name that several types share is an error, not a guess: in
   * vmlinux a struct and a variable can share a name (`flush_tlb_info`), and a module can
   * carry its own type of a name vmlinux also has. Pass a kind, or use {@link typesByName}
   * (all of them) or {@link anyTypeByName} (the first).
   * @throws {MultipleTypesError} listing every candidate's object, ID and kind when several
   * types match. @throws {BtfError} if the spec fails validation when the index is built.
   */
  typeByName<K extends TypeKind = TypeKind>(name: string, kind?: K): TypeOfKind<K> | undefined {
    const found = this.typesByName(name, kind);
    if (found.length > 1) {
      const types = found.map((t) => ({ object: t.spec.name, id: t.id, kind: t.kind }));
      throw new MultipleTypesError(this.name, name, kind, types);
    }
    return found[0];
  }

  /**
   * The first type named `name` (of `kind`, if given) in ID order, base first, or `undefined`:
   * whichever of several same-named types comes first, with no word that there were others.
   * For when any will do (the name is known to be unique, or all candidates are equivalent);
   * otherwise use {@link typeByName}, which says when a name is ambiguous.
   * @throws {BtfError} if the spec fails validation when the index is built.
   */
  anyTypeByName<K extends TypeKind = TypeKind>(name: string, kind?: K): TypeOfKind<K> | undefined {
    return this.typesByName(name, kind)[0];
  }

  /**
   * The spec as plain data, for `JSON.stringify`: its name, ID range and its base's name. The
   * bytes and types are left out (serialize types one by one, or use `formatJsonType`).
   */
  toJSON(): { name: string; firstId: number; count: number; base?: string } {
    const out: { name: string; firstId: number; count: number; base?: string } = {
      name: this.name,
      firstId: this.firstId,
      count: this.count,
    };
    if (this.base) out.base = this.base.name;
    return out;
  }

  /**
   * How `console.log` and `util.inspect` print the spec: its name, ID range and base, never its
   * bytes and cached types. @internal Node calls it.
   */
  [INSPECT](depth: number, options: InspectOptions, inspect: unknown): string {
    return inspectAs(`Spec${this.name ? ` ${this.name}` : ''}`, this.toJSON(), depth, options, inspect);
  }

  /**
   * Whether this spec's own types have passed the checks of {@link validateOwn} (or came
   * kernel-verified, see {@link SpecOptions.kernelVerified}). Says nothing of the base's.
   */
  get validated(): boolean {
    return this.ownValidated;
  }

  /**
   * How many times the checks of {@link validateOwn} have run over this spec's own types: 0 or
   * 1 (laziness is observable, as with {@link decodedCount}).
   */
  get validationRuns(): number {
    return this.validations;
  }

  /**
   * Runs the full checks of the kernel's BTF verifier over this spec's own types only, once;
   * later calls return at once. For a split spec whose base is trusted or checked elsewhere
   * (a module on a kernel-verified vmlinux). The state is kept: {@link typesByName} does not
   * check again.
   * @throws {BtfError} naming the first faulty type ID and offset.
   */
  validateOwn(): void {
    if (this.ownValidated) return;
    this.validations++;
    validateSpec(this);
    this.ownValidated = true;
  }

  /**
   * Runs the full checks of the kernel's BTF verifier over this spec's own types and its bases',
   * each spec once; later calls return at once.
   * @throws {BtfError} naming the first faulty type ID and offset.
   */
  validate(): void {
    this.base?.validate();
    this.validateOwn();
  }

  private nameIndex(): NameIndex {
    if (!this.index) {
      this.validate();
      this.index = new NameIndex(this.section, this.strings);
    }
    return this.index;
  }
}

/**
 * Opens raw base BTF (such as vmlinux, or a BPF object's `.BTF` section).
 * @deprecated Use `openSpec(bytes, options)` from `tsbpf/btf`, which opens raw BTF and ELF
 * files alike. (Inside tsbpf this raw-only form opens raw BTF without loading the ELF reader.)
 *
 * The bytes are not copied: they must not change while the spec is in use (copy them first, with
 * `bytes.slice()`, if the caller's buffer will be reused). Changed bytes give errors or garbage,
 * never a hang.
 * @throws {BtfError} if the header, string section or type records are malformed.
 */
export function loadSpec(bytes: Uint8Array | ArrayBuffer, options: SpecOptions = {}): Spec {
  return new Spec(specBytes(bytes), undefined, options);
}

/**
 * Opens raw split BTF (such as a kernel module's) on top of `base`: type IDs continue after the
 * base's, string offsets after the base's string section.
 * @deprecated Use `openSpec(bytes, { base })` from `tsbpf/btf`, which opens raw BTF and ELF
 * files alike and relocates a distilled base. (Inside tsbpf this raw-only form opens raw BTF
 * without loading the ELF reader.)
 *
 * As with {@link loadSpec}, the bytes are not copied and must not change while the spec is in use.
 * @throws {BtfError} if malformed; a wrong base is reported at validation.
 */
export function loadSplitSpec(bytes: Uint8Array | ArrayBuffer, base: Spec, options: SpecOptions = {}): Spec {
  if (!(base instanceof Spec)) {
    throw new BtfError(`loadSplitSpec expects the base as a Spec (from loadSpec), not ${describeArgument(base)}`);
  }
  return new Spec(specBytes(bytes), base, options);
}

/**
 * The blob as a Uint8Array: a Uint8Array (or Buffer) as is, an ArrayBuffer or another typed array
 * or DataView as a view of the same bytes (not copied: they must not change afterwards either).
 * @throws {BtfError} for anything else, saying what was expected.
 */
export function specBytes(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new BtfError(`BTF must be given as a Uint8Array or ArrayBuffer, not ${describeArgument(bytes)}`);
}

/** @throws {BtfError} unless `name` is a string. */
function checkName(name: unknown): void {
  if (typeof name !== 'string') throw new BtfError(`a type name must be a string, not ${describeArgument(name)}`);
}

/** What an argument of the wrong type is, for messages: `a string`, `null`, `an object (Map)`. */
function describeArgument(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  return `a ${typeof v}`;
}
