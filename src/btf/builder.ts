/**
 * Building BTF in code: add types one by one (libbpf's `btf__add_*`), or copy types out of
 * decoded specs with everything they reach, then write base or split BTF. Types from several
 * specs can be mixed; each source keeps its own ID mapping, and types of the builder's base are
 * referenced by their base IDs rather than copied.
 * @module
 */
import { BtfError } from '../errors.js';
import { type LayoutMemberInit, type LayoutOptions, placeMembers } from './builder-layout.js';
import { type DedupStats, dedupTable } from './dedup.js';
import { Kind, type Linkage, MAX_TYPE_ID, MAX_VLEN } from './kinds.js';
import { type MarshalOptions, marshalTable } from './marshal.js';
import type { Spec } from './spec.js';
import { sectionWords, TypeTable } from './type-table.js';
import type { Type } from './types.js';
import {
  BODY_AT,
  forEachRef,
  forEachStr,
  ITEM_NAME,
  ITEM_REF,
  ITEM_WORDS,
  infoKind,
  infoVlen,
  makeInfo,
  makeIntData,
  makeMemberOffset,
  REF_FIRST,
  REF_SECOND,
  recordWords,
  recordWordsAt,
} from './wire.js';

const LINKAGE: Record<Linkage, number> = { static: 0, global: 1, extern: 2 };
const U32_MAX = 0xffffffff;

/** A struct or union member to add. */
export interface MemberInit {
  /** The member's name; '' for an anonymous struct or union member. */
  name: string;
  /** The member's type (an ID this builder gave out, or of its base). */
  typeId: number;
  /** Offset in bits from the start of the aggregate. */
  bitOffset: number;
  /** Bitfield width; 0 (the default) for a plain member. */
  bitfieldSize?: number;
}

/** An enumerator to add. */
export interface EnumValueInit {
  /** The enumerator's name. */
  name: string;
  /** Its value: a safe integer or a bigint, signed or unsigned, that fits the enum's width. */
  value: number | bigint;
}

/** A function parameter to add. */
export interface ParamInit {
  /** The parameter's name; '' when unnamed. */
  name: string;
  /** Its type; 0 with an empty name as the last parameter marks a variadic function. */
  typeId: number;
}

/** A DATASEC entry to add. */
export interface SecinfoInit {
  /** The VAR (or FUNC) in the section. */
  typeId: number;
  /** Its offset in the section, in bytes. */
  offset: number;
  /** Its size in bytes. */
  size: number;
}

/** Per-source state when copying from a spec: where each of its types landed. */
interface Source {
  spec: Spec;
  words: Uint32Array;
  offs: Uint32Array;
  /** New ID of each own type of `spec` (0: not copied yet). */
  ids: Int32Array;
  /** New offset of each own string, by local offset (-1: not added yet); made when first needed. */
  strs: Int32Array | undefined;
}

/** Builds a set of BTF types and writes them. */
export class Builder {
  /** The records being built. @internal */
  readonly table: TypeTable;
  private readonly sources = new Map<Spec, Source>();
  /** Specs found identical (or not) to a spec of the base chain, see {@link inBase}. */
  private readonly sameAsBase = new Map<Spec, boolean>();
  /** String offsets of the spec being added by {@link addSpec} (see there). */
  private scratch = new Int32Array(0);

  /** A builder for base BTF, or for split BTF on `options.base`. */
  constructor(options: { base?: Spec } = {}) {
    this.table = new TypeTable(options.base);
  }

  /** The base this builder writes split BTF on, if any. */
  get base(): Spec | undefined {
    return this.table.base;
  }
  /** ID the next added type gets. */
  get nextId(): number {
    return this.table.nextId;
  }
  /** ID of the first own type. */
  get firstId(): number {
    return this.table.firstId;
  }
  /** Number of own types added. */
  get count(): number {
    return this.table.count;
  }

  private head(name: string, kind: number, vlen: number, kflag: boolean, sizeOrType: number, len: number): number {
    if (vlen > MAX_VLEN) throw new BtfError(`type [${this.table.nextId}] has ${vlen} items, over the format limit ${MAX_VLEN}`);
    const nameOff = this.table.strings.add(name);
    const o = this.table.allocate(len);
    const w = this.table.words;
    w[o] = nameOff;
    w[o + 1] = makeInfo(kind, vlen, kflag);
    w[o + 2] = sizeOrType >>> 0;
    return o;
  }

  /**
   * `value` if it is an integer in `[min, max]`, else a BtfError naming `what` and the type being
   * added: numbers are never wrapped into a field they do not fit.
   */
  private field(value: number, what: string, max = U32_MAX, min = 0): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new BtfError(`${what} ${String(value)} is not an integer in [${min}, ${max}]`, { typeId: this.table.nextId });
    }
    return value;
  }

  /** The wire value of a FUNC or VAR linkage. */
  private linkage(linkage: Linkage, what: string): number {
    const v = Object.hasOwn(LINKAGE, linkage) ? LINKAGE[linkage] : undefined;
    if (v === undefined) {
      throw new BtfError(`${what} linkage ${JSON.stringify(linkage)} is not static, global or extern`, {
        typeId: this.table.nextId,
      });
    }
    return v;
  }

  /** A 32-bit (`bits` 32) or 64-bit enumerator value as an unsigned integer of that width. */
  private enumValue(value: number | bigint, bits: 32 | 64, what: string): bigint {
    let v: bigint | undefined;
    if (typeof value === 'bigint') v = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
    const min = -(1n << BigInt(bits - 1));
    const max = (1n << BigInt(bits)) - 1n;
    if (v === undefined || v < min || v > max) {
      throw new BtfError(`${what} value ${String(value)} does not fit ${bits} bits (signed or unsigned)`, {
        typeId: this.table.nextId,
      });
    }
    return BigInt.asUintN(bits, v);
  }

  /**
   * References may point forward (to close cycles); that they all land on added types is
   * checked when writing.
   */
  private checkId(id: number, what: string): number {
    if (!Number.isInteger(id) || id < 0 || id > MAX_TYPE_ID) {
      throw new BtfError(`${what} references type [${id}], beyond the format's type IDs (0xfffff)`, {
        typeId: this.table.nextId,
      });
    }
    return id;
  }

  /** INT. `encoding`: 1 signed, 2 char, 4 bool. Returns the new type's ID. */
  addInt(name: string, size: number, encoding = 0, bits = size * 8, bitOffset = 0): number {
    this.field(size, `int ${name} size`);
    this.field(encoding, `int ${name} encoding`, 0x0f);
    this.field(bits, `int ${name} bits`, 0xff);
    this.field(bitOffset, `int ${name} bit offset`, 0xff);
    const o = this.head(name, Kind.Int, 0, false, size, 4);
    this.table.words[o + 3] = makeIntData(encoding, bitOffset, bits);
    return this.table.nextId - 1;
  }
  /** FLOAT. */
  addFloat(name: string, size: number): number {
    this.field(size, `float ${name} size`);
    this.head(name, Kind.Float, 0, false, size, 3);
    return this.table.nextId - 1;
  }
  private ref(kind: number, name: string, typeId: number, what: string): number {
    this.checkId(typeId, what);
    this.head(name, kind, 0, false, typeId, 3);
    return this.table.nextId - 1;
  }
  /** PTR to `typeId`. */
  addPtr(typeId: number): number {
    return this.ref(Kind.Ptr, '', typeId, 'pointer');
  }
  /** TYPEDEF. */
  addTypedef(name: string, typeId: number): number {
    return this.ref(Kind.Typedef, name, typeId, `typedef ${name}`);
  }
  /** CONST. */
  addConst(typeId: number): number {
    return this.ref(Kind.Const, '', typeId, 'const');
  }
  /** VOLATILE. */
  addVolatile(typeId: number): number {
    return this.ref(Kind.Volatile, '', typeId, 'volatile');
  }
  /** RESTRICT. */
  addRestrict(typeId: number): number {
    return this.ref(Kind.Restrict, '', typeId, 'restrict');
  }
  /** TYPE_TAG with value `value`. */
  addTypeTag(value: string, typeId: number): number {
    return this.ref(Kind.TypeTag, value, typeId, 'type tag');
  }
  /** FUNC of prototype `protoId`. */
  addFunc(name: string, protoId: number, linkage: Linkage = 'static'): number {
    this.checkId(protoId, `func ${name}`);
    this.head(name, Kind.Func, this.linkage(linkage, `func ${name}`), false, protoId, 3);
    return this.table.nextId - 1;
  }
  /** ARRAY of `nelems` elements of `typeId`, indexed by `indexTypeId`. */
  addArray(typeId: number, indexTypeId: number, nelems: number): number {
    this.checkId(typeId, 'array');
    this.checkId(indexTypeId, 'array index');
    this.field(nelems, 'array nelems');
    const o = this.head('', Kind.Array, 0, false, 0, 6);
    const w = this.table.words;
    w[o + 3] = typeId;
    w[o + 4] = indexTypeId;
    w[o + 5] = nelems >>> 0;
    return this.table.nextId - 1;
  }
  private aggregate(kind: number, name: string, size: number, members: readonly MemberInit[]): number {
    const label = name || '(anon)';
    this.field(size, `${label} size`);
    for (const m of members) this.checkId(m.typeId, `${label}.${m.name}`);
    const bitfields = members.some((m) => (m.bitfieldSize ?? 0) > 0);
    for (const m of members) {
      // With bit-fields the offset word holds the size in its top 8 bits and the offset below.
      this.field(m.bitOffset, `${label}.${m.name} bit offset`, bitfields ? 0xffffff : U32_MAX);
      this.field(m.bitfieldSize ?? 0, `${label}.${m.name} bit-field size`, 0xff);
    }
    const names = members.map((m) => this.table.strings.add(m.name));
    const o = this.head(name, kind, members.length, bitfields, size, recordWords(kind, members.length));
    const w = this.table.words;
    members.forEach((m, k) => {
      w[o + 3 + 3 * k] = names[k] as number;
      w[o + 4 + 3 * k] = m.typeId;
      w[o + 5 + 3 * k] = makeMemberOffset(m.bitOffset, m.bitfieldSize ?? 0, bitfields);
    });
    return this.table.nextId - 1;
  }
  /**
   * STRUCT of `size` bytes, each member at the bit offset given. Bit-field members set the kind
   * flag. Returns the new type's ID.
   */
  addStruct(name: string, size: number, members?: readonly MemberInit[]): number;
  /**
   * STRUCT whose member offsets and size the builder computes, as C lays it out
   * (`layout: 'natural'`, the default) or packed (`layout: 'packed'`); member types must be
   * added first (or be the base's), since their sizes decide the placement.
   * @throws {BtfError} for a member type not yet added or without a size.
   */
  addStruct(name: string, members: readonly LayoutMemberInit[], options?: LayoutOptions): number;
  addStruct(
    name: string,
    sizeOrMembers: number | readonly LayoutMemberInit[],
    membersOrOptions?: readonly MemberInit[] | LayoutOptions,
  ): number {
    return this.aggregateOf(Kind.Struct, name, sizeOrMembers, membersOrOptions);
  }
  /** UNION of `size` bytes, each member at the bit offset given (0 for a plain union). */
  addUnion(name: string, size: number, members?: readonly MemberInit[]): number;
  /**
   * UNION whose size the builder computes from its members' (the largest, rounded up to the
   * largest alignment; packed: not rounded); every member at offset 0.
   * @throws {BtfError} for a member type not yet added or without a size.
   */
  addUnion(name: string, members: readonly LayoutMemberInit[], options?: LayoutOptions): number;
  addUnion(
    name: string,
    sizeOrMembers: number | readonly LayoutMemberInit[],
    membersOrOptions?: readonly MemberInit[] | LayoutOptions,
  ): number {
    return this.aggregateOf(Kind.Union, name, sizeOrMembers, membersOrOptions);
  }
  /** The two forms of addStruct/addUnion: explicit offsets and size, or a layout. */
  private aggregateOf(
    kind: number,
    name: string,
    sizeOrMembers: number | readonly LayoutMemberInit[],
    membersOrOptions: readonly MemberInit[] | LayoutOptions | undefined,
  ): number {
    if (!Array.isArray(sizeOrMembers)) {
      return this.aggregate(kind, name, sizeOrMembers as number, (membersOrOptions as readonly MemberInit[] | undefined) ?? []);
    }
    const options = (membersOrOptions ?? {}) as LayoutOptions;
    const members = sizeOrMembers as readonly LayoutMemberInit[];
    const placed = placeMembers(this.table, name || '(anon)', kind === Kind.Union, members, options.layout ?? 'natural');
    return this.aggregate(
      kind,
      name,
      placed.size,
      members.map((m, k) => ({ name: m.name, typeId: m.typeId, bitfieldSize: m.bitfieldSize, bitOffset: placed.offsets[k]! })),
    );
  }
  /** ENUM (32-bit values) of `size` bytes; `signed` sets the kind flag. */
  addEnum(name: string, size: number, values: readonly EnumValueInit[] = [], signed = false): number {
    this.field(size, `enum ${name} size`);
    const wire = values.map((v) => Number(this.enumValue(v.value, 32, `enum ${name} ${v.name}`)));
    const names = values.map((v) => this.table.strings.add(v.name));
    const o = this.head(name, Kind.Enum, values.length, signed, size, recordWords(Kind.Enum, values.length));
    const w = this.table.words;
    values.forEach((_, k) => {
      w[o + 3 + 2 * k] = names[k] as number;
      w[o + 4 + 2 * k] = wire[k]!;
    });
    return this.table.nextId - 1;
  }
  /** ENUM64 of `size` bytes. */
  addEnum64(name: string, size: number, values: readonly EnumValueInit[] = [], signed = false): number {
    this.field(size, `enum64 ${name} size`);
    const wire = values.map((v) => this.enumValue(v.value, 64, `enum64 ${name} ${v.name}`));
    const names = values.map((v) => this.table.strings.add(v.name));
    const o = this.head(name, Kind.Enum64, values.length, signed, size, recordWords(Kind.Enum64, values.length));
    const w = this.table.words;
    values.forEach((_, k) => {
      const u = wire[k]!;
      w[o + 3 + 3 * k] = names[k] as number;
      w[o + 4 + 3 * k] = Number(u & 0xffffffffn);
      w[o + 5 + 3 * k] = Number(u >> 32n);
    });
    return this.table.nextId - 1;
  }
  /** FWD declaration of a struct or union (an enum forward is an ENUM with no values). */
  addFwd(name: string, kind: 'struct' | 'union' = 'struct'): number {
    this.head(name, Kind.Fwd, 0, kind === 'union', 0, 3);
    return this.table.nextId - 1;
  }
  /** FUNC_PROTO returning `returnTypeId` (0: void). */
  addFuncProto(returnTypeId: number, params: readonly ParamInit[] = []): number {
    this.checkId(returnTypeId, 'function prototype');
    for (const p of params) this.checkId(p.typeId, `parameter ${p.name}`);
    const names = params.map((p) => this.table.strings.add(p.name));
    const o = this.head('', Kind.FuncProto, params.length, false, returnTypeId, recordWords(Kind.FuncProto, params.length));
    const w = this.table.words;
    params.forEach((p, k) => {
      w[o + 3 + 2 * k] = names[k] as number;
      w[o + 4 + 2 * k] = p.typeId;
    });
    return this.table.nextId - 1;
  }
  /** VAR. */
  addVar(name: string, typeId: number, linkage: Linkage = 'static'): number {
    this.checkId(typeId, `var ${name}`);
    const link = this.linkage(linkage, `var ${name}`);
    const o = this.head(name, Kind.Var, 0, false, typeId, 4);
    this.table.words[o + 3] = link;
    return this.table.nextId - 1;
  }
  /** DATASEC. */
  addDatasec(name: string, size: number, vars: readonly SecinfoInit[] = []): number {
    this.field(size, `datasec ${name} size`);
    vars.forEach((v, k) => {
      this.checkId(v.typeId, `datasec ${name}`);
      this.field(v.offset, `datasec ${name} entry ${k} offset`);
      this.field(v.size, `datasec ${name} entry ${k} size`);
    });
    const o = this.head(name, Kind.Datasec, vars.length, false, size, recordWords(Kind.Datasec, vars.length));
    const w = this.table.words;
    vars.forEach((v, k) => {
      w[o + 3 + 3 * k] = v.typeId;
      w[o + 4 + 3 * k] = v.offset >>> 0;
      w[o + 5 + 3 * k] = v.size >>> 0;
    });
    return this.table.nextId - 1;
  }
  /** DECL_TAG on `typeId` (`componentIdx` -1 for the type itself, else a member or parameter). */
  addDeclTag(value: string, typeId: number, componentIdx = -1): number {
    this.checkId(typeId, 'decl tag');
    this.field(componentIdx, `decl tag ${value} component index`, 0x7fffffff, -1);
    const o = this.head(value, Kind.DeclTag, 0, false, typeId, 4);
    this.table.words[o + 3] = componentIdx >>> 0;
    return this.table.nextId - 1;
  }

  private source(spec: Spec): Source {
    let s = this.sources.get(spec);
    if (!s) {
      const { words, offs } = sectionWords(spec);
      s = {
        spec,
        words,
        offs,
        ids: new Int32Array(spec.count),
        strs: undefined,
      };
      this.sources.set(spec, s);
    }
    return s;
  }

  /** Whether `spec`'s IDs below its first own ID are this builder's base's. */
  private sharesBase(spec: Spec): boolean {
    return spec.base !== undefined && this.inBase(spec.base);
  }

  /**
   * Whether `spec` is this builder's base or one of the base's bases, or a spec with the same
   * bytes at the same IDs as one of them (the same vmlinux opened twice): its types are then
   * referenced by their IDs, never copied. The byte comparison runs once per spec.
   */
  private inBase(spec: Spec): boolean {
    for (let b = this.table.base; b; b = b.base) if (b === spec) return true;
    if (this.table.base === undefined) return false;
    let same = this.sameAsBase.get(spec);
    if (same === undefined) {
      same = false;
      for (let b: Spec | undefined = this.table.base; b && !same; b = b.base) same = identicalSpecs(b, spec);
      this.sameAsBase.set(spec, same);
    }
    return same;
  }

  /**
   * Refuses a split spec whose root base is not this builder's (nor identical to it): copying
   * from it would silently duplicate every base type it reaches (thousands, for a module on
   * another vmlinux), as `merge` refuses such a module. Base BTF (a BPF object) and split BTF
   * into a builder without a base are copied whole, as asked.
   * @throws {BtfError} naming both bases.
   */
  private checkBase(spec: Spec, typeId: number): void {
    const mine = this.table.base?.root;
    if (mine === undefined || spec.base === undefined) return;
    const theirs = spec.root;
    if (theirs === mine || this.inBase(theirs)) return;
    const name = (s: Spec) => `${s.name ? `'${s.name}' ` : ''}(${s.nextId - 1} types)`;
    throw new BtfError(
      `spec ${spec.name ? `'${spec.name}' ` : ''}is split BTF on base ${name(theirs)}, not on this builder's base ${name(mine)}: open it on the builder's base (copying would duplicate the base types it reaches)`,
      { typeId },
    );
  }

  /** The new ID of type `id` of `spec`, copying it and what it reaches when not yet copied. */
  private copy(spec: Spec, rootId: number): number {
    const stack: [Spec, number][] = [[spec, rootId]];
    const fixups: [Source, number][] = [];
    const result = this.lookup(spec, rootId);
    if (result !== undefined) return result;
    // Pre-order walk: each type gets its ID before its references are followed, so cycles
    // (a struct pointing to itself) close on IDs already given.
    while (stack.length > 0) {
      const [sp, id] = stack.pop()!;
      if (this.lookup(sp, id) !== undefined) continue;
      const owner = sp.specOf(id);
      if (!owner) throw new BtfError(`references type [${id}], which does not exist`, { typeId: id });
      const src = this.source(owner);
      const i = id - owner.firstId;
      const so = src.offs[i] as number;
      const len = recordWordsAt(src.words, so);
      const o = this.table.allocate(len);
      this.table.words.set(src.words.subarray(so, so + len), o);
      src.ids[i] = this.table.nextId - 1;
      fixups.push([src, o]);
      forEachRef(src.words, so, (pos) => {
        const ref = src.words[pos] as number;
        if (ref !== 0 && this.lookup(owner, ref) === undefined) stack.push([owner, ref]);
      });
    }
    for (const [src, o] of fixups) this.rehome(src, o);
    return this.lookup(spec, rootId)!;
  }

  /** New ID of `spec`'s type `id` if already present (copied, `void`, or in the shared base). */
  private lookup(spec: Spec, id: number): number | undefined {
    if (id === 0) return 0;
    if (id < spec.firstId) {
      if (this.sharesBase(spec) || this.inBase(spec)) return id;
      return spec.base ? this.lookup(spec.base, id) : undefined;
    }
    if (this.inBase(spec)) return id;
    const s = this.sources.get(spec);
    const v = s?.ids[id - spec.firstId];
    return v ? v : undefined;
  }

  /** Rewrites the IDs and string offsets of a record copied from `src` at word `o`. */
  private rehome(src: Source, o: number): void {
    const w = this.table.words;
    forEachRef(w, o, (pos) => {
      w[pos] = this.lookup(src.spec, w[pos] as number)!;
    });
    forEachStr(w, o, (pos) => {
      w[pos] = this.rehomeStr(src.spec, w[pos] as number);
    });
  }

  private rehomeStr(spec: Spec, off: number): number {
    if (off === 0) return 0;
    if (off < spec.strings.start) {
      if (this.sharesBase(spec)) return off;
      return spec.base ? this.rehomeStr(spec.base, off) : off;
    }
    const src = this.source(spec);
    const local = off - spec.strings.start;
    src.strs ??= new Int32Array(spec.strings.bytes.byteLength + 1).fill(-1);
    const cached = src.strs[local] as number;
    if (cached >= 0) return cached;
    const to = this.table.strings.addAt(spec.strings.bytes, local);
    src.strs[local] = to;
    return to;
  }

  /**
   * Adds `type` (of `spec`, or of a base of it) and every type it reaches, unless already
   * added; returns its ID here. Types of this builder's base are referenced, not copied, also
   * when `spec` was opened on another copy of the same base (the same vmlinux bytes).
   * @throws {BtfError} when `type` is not a type of `spec`; when `spec` is split BTF on a base
   * other than this builder's (another kernel's vmlinux: copying would duplicate every base type
   * it reaches); or past the format's limits.
   */
  addType(spec: Spec, type: Type | number): number {
    const id = typeof type === 'number' ? type : type.id;
    if (typeof type !== 'number' && spec.typeId(type) === undefined) {
      throw new BtfError(`type '${type.name}' is not a type of the given spec`, { typeId: id });
    }
    if (id !== 0 && !spec.specOf(id)) throw new BtfError(`no such type (IDs run to ${spec.nextId - 1})`, { typeId: id });
    this.checkBase(spec, id);
    return this.copy(spec, id);
  }

  /**
   * Adds every own type of `spec` in ID order (with anything of its bases they reach that this
   * builder's base does not hold); returns the ID the spec's first own type got. Fast path for
   * a split spec on this builder's base (or an identical copy of it): records are copied in bulk.
   * @throws {BtfError} when `spec` is split BTF on a base other than this builder's, or past
   * the format's limits.
   */
  addSpec(spec: Spec): number {
    this.checkBase(spec, spec.firstId);
    const src = this.source(spec);
    if (!this.sharesBase(spec) && spec.base !== undefined && !this.inBase(spec)) {
      const first = this.table.nextId;
      for (let id = spec.firstId; id < spec.nextId; id++) this.copy(spec, id);
      return first;
    }
    const first = this.table.nextId;
    const delta = first - spec.firstId;
    const n = spec.count;
    if (n === 0) return first;
    // One bulk copy, then a pass fixing IDs and strings in place.
    const base0 = this.table.appendRecords(src.words, src.offs, n);
    for (let i = 0; i < n; i++) src.ids[i] = first + i;
    const w = this.table.words;
    const firstOwn = spec.firstId;
    const strStart = spec.strings.start;
    const bytes = spec.strings.bytes;
    // Where each of the spec's strings landed, by local offset: every string the spec's
    // records use is one of its own or the shared base's, and once all its types are here no
    // later copy needs them, so one scratch array serves every spec added this way.
    if (this.scratch.length <= bytes.byteLength) this.scratch = new Int32Array(bytes.byteLength + 1);
    const strs = this.scratch;
    strs.fill(-1, 0, bytes.byteLength + 1);
    const set = this.table.strings;
    const str = (off: number): number => {
      if (off < strStart) return off;
      const local = off - strStart;
      let to = strs[local] as number;
      if (to < 0) {
        to = set.addAt(bytes, local);
        strs[local] = to;
      }
      return to;
    };
    const ref = (id: number): number => (id >= firstOwn ? id + delta : id);
    for (let i = 0; i < n; i++) {
      const o = base0 + (src.offs[i] as number);
      const info = w[o + 1] as number;
      const kind = infoKind(info);
      w[o] = str(w[o] as number);
      // The fields of forEachRef and forEachStr, where the wire layout keeps them, written out:
      // this runs for every type. Strings are added in forEachStr's order (the output's order).
      const ra = REF_FIRST[kind] as number;
      if (ra !== 0) {
        w[o + ra] = ref(w[o + ra] as number);
        const rb = REF_SECOND[kind] as number;
        if (rb !== 0) w[o + rb] = ref(w[o + rb] as number);
      }
      const step = ITEM_WORDS[kind] as number;
      const vlen = infoVlen(info);
      if (step !== 0 && vlen !== 0) {
        const n = ITEM_NAME[kind] as number;
        const r = ITEM_REF[kind] as number;
        for (let k = 0, p = o + (BODY_AT[kind] as number); k < vlen; k++, p += step) {
          if (n >= 0) w[p + n] = str(w[p + n] as number);
          if (r >= 0) w[p + r] = ref(w[p + r] as number);
        }
      }
    }
    return first;
  }

  /**
   * Deduplicates the own types (libbpf's `btf__dedup` semantics; on a base, types the base
   * already has become references to it). IDs given out before are no longer valid: the
   * result's `idMap` maps each to its new ID.
   */
  dedup(): DedupStats {
    this.sources.clear();
    return dedupTable(this.table);
  }

  /**
   * Writes the types as BTF (split BTF on the base when there is one).
   * @throws {BtfError} when a type references a type that was never added.
   */
  marshal(options: MarshalOptions = {}): Uint8Array {
    return marshalTable(this.table, options);
  }
}

/** Whether two specs hold the same bytes at the same IDs, on identical bases. */
function identicalSpecs(a: Spec, b: Spec): boolean {
  for (;;) {
    if (a === b) return true;
    if (a.firstId !== b.firstId || a.count !== b.count || a.bytes.byteLength !== b.bytes.byteLength) return false;
    const x = a.bytes;
    const y = b.bytes;
    for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
    if (a.base === undefined || b.base === undefined) return a.base === b.base;
    a = a.base;
    b = b.base;
  }
}
