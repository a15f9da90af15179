/**
 * The user-facing type model. Each class mirrors one BTF kind and carries a literal `kind`
 * field, so a `switch (t.kind)` narrows. References are kept as IDs (`typeId`) and resolved on
 * demand through the spec the type came from (`t.type`), which keeps decoding lazy and lets
 * types of a module point into vmlinux without copying it.
 * @module
 */
import { BtfError } from '../errors.js';
import { INSPECT, type InspectOptions, inspectAs } from '../internal/inspect.js';
import type { Linkage } from './kinds.js';
import type { Spec } from './spec.js';

/** What a type needs to resolve its references: the spec it was decoded from. */
export interface TypeResolver {
  /** The type with this ID, or `undefined` if no such ID. */
  typeById(id: number): Type | undefined;
}

/*
 * Fields are `declare`d and assigned in constructors rather than written as class fields or
 * constructor parameter properties: with ES2022 class fields each one is first defined as
 * `undefined` by a per-class initializer and then assigned, and walking every type of vmlinux
 * (some 600,000 objects with members and parameters) spent a sixth of its time there. The own
 * properties and their order are those class fields gave.
 */

/** Fields every type has. */
abstract class TypeBase {
  /** Type ID in its spec (0 only for `void`). */
  declare readonly id: number;
  /** Name; '' when anonymous. */
  declare readonly name: string;
  /** @internal resolves references. */
  declare protected readonly resolver: TypeResolver;

  constructor(id: number, name: string, resolver: TypeResolver) {
    this.id = id;
    this.name = name;
    this.resolver = resolver;
  }

  /**
   * The spec (BTF object) this type belongs to: for a type of a module's split spec that is a
   * vmlinux type, vmlinux's spec. `(type.spec.name, type.id)` names the type across objects,
   * whose IDs collide. `void` (ID 0) belongs to the root spec.
   */
  get spec(): Spec {
    return this.resolver as Spec;
  }

  /**
   * The type as plain data, for `JSON.stringify`: `kind`, `id`, `name`, the kind's own fields
   * (references as IDs, members and parameters as plain objects, ENUM64 values as decimal
   * strings since JSON has no 64-bit integers) and `spec`, the name of the BTF object the type
   * belongs to when it has one. Never the spec itself, so a type (or anything holding one)
   * serializes without a circular-structure error.
   */
  toJSON(): TypeJson {
    const out: TypeJson = { kind: (this as unknown as Type).kind, id: this.id, name: this.name };
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      if (key === 'resolver' || key in out) continue;
      out[key] = plainData(fields[key]);
    }
    const spec = (this.resolver as { name?: unknown }).name;
    if (typeof spec === 'string' && spec !== '') out.spec = spec;
    return out;
  }

  /**
   * How `console.log` and `util.inspect` print the type: its class, ID and name, then its fields
   * as {@link toJSON} gives them, never the whole spec behind it.
   * @internal Node calls it; the key is `Symbol.for('nodejs.util.inspect.custom')`.
   */
  [INSPECT](depth: number, options: InspectOptions, inspect: unknown): string {
    const { kind: _kind, id: _id, name: _name, ...rest } = this.toJSON();
    const label = `${this.constructor.name} [${this.id}]${this.name ? ` ${this.name}` : ''}`;
    return inspectAs(label, rest, depth, options, inspect);
  }

  /** Resolves a referenced type ID; throws only on a dangling ID, which validation reports first. */
  protected ref(typeId: number): Type {
    const t = this.resolver.typeById(typeId);
    if (!t) throw new BtfError(`references type [${typeId}], which does not exist`, { typeId: this.id });
    return t;
  }
}

/** `void`: type ID 0. */
export class Void extends TypeBase {
  /** Always `'void'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'void';
  constructor(id: number, name: string, resolver: TypeResolver) {
    super(id, name, resolver);
    this.kind = 'void';
  }
}

/** INT. */
export class Int extends TypeBase {
  /** Size in bytes. */
  declare readonly size: number;
  /** `BTF_INT_ENCODING` bits: 1 signed, 2 char, 4 bool. */
  declare readonly encoding: number;
  /** `BTF_INT_OFFSET`: bit offset of the value within `size`. */
  declare readonly bitOffset: number;
  /** `BTF_INT_BITS`: number of value bits. */
  declare readonly bits: number;
  /** Always `'int'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'int';
  constructor(id: number, name: string, resolver: TypeResolver, size: number, encoding: number, bitOffset: number, bits: number) {
    super(id, name, resolver);
    this.size = size;
    this.encoding = encoding;
    this.bitOffset = bitOffset;
    this.bits = bits;
    this.kind = 'int';
  }
  /** Whether the integer is signed (encoding bit 1). */
  get signed(): boolean {
    return (this.encoding & 1) !== 0;
  }
  /** Whether the integer is a C `char` (encoding bit 2). */
  get char(): boolean {
    return (this.encoding & 2) !== 0;
  }
  /** Whether the integer is a C `_Bool` (encoding bit 4). */
  get bool(): boolean {
    return (this.encoding & 4) !== 0;
  }
}

/** Kinds that are one reference to another type and nothing else. */
abstract class RefType extends TypeBase {
  /** ID of the referenced type. */
  declare readonly typeId: number;
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver);
    this.typeId = typeId;
  }
  /** The referenced type. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    return this.ref(this.typeId);
  }
}

/** PTR. */
export class Pointer extends RefType {
  /** Always `'ptr'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'ptr';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver, typeId);
    this.kind = 'ptr';
  }
}
/** TYPEDEF. */
export class Typedef extends RefType {
  /** Always `'typedef'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'typedef';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver, typeId);
    this.kind = 'typedef';
  }
}
/** VOLATILE. */
export class Volatile extends RefType {
  /** Always `'volatile'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'volatile';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver, typeId);
    this.kind = 'volatile';
  }
}
/** CONST. */
export class Const extends RefType {
  /** Always `'const'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'const';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver, typeId);
    this.kind = 'const';
  }
}
/** RESTRICT. */
export class Restrict extends RefType {
  /** Always `'restrict'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'restrict';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver, typeId);
    this.kind = 'restrict';
  }
}
/** TYPE_TAG: an attribute on the referenced type; `name` is the tag's value. */
export class TypeTag extends RefType {
  /** Always `'type_tag'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'type_tag';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number) {
    super(id, name, resolver, typeId);
    this.kind = 'type_tag';
  }
  /** The tag's value (the `name` field): `user` of `__attribute__((btf_type_tag("user")))`. */
  get value(): string {
    return this.name;
  }
}

/** ARRAY. */
export class ArrayType extends TypeBase {
  /** ID of the element type. */
  declare readonly typeId: number;
  /** ID of the index type (an INT; not meaningful to C). */
  declare readonly indexTypeId: number;
  /** Number of elements; 0 for a flexible array member. */
  declare readonly nelems: number;
  /** Always `'array'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'array';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number, indexTypeId: number, nelems: number) {
    super(id, name, resolver);
    this.typeId = typeId;
    this.indexTypeId = indexTypeId;
    this.nelems = nelems;
    this.kind = 'array';
  }
  /** The element type. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    return this.ref(this.typeId);
  }
  /** The index type. @throws {BtfError} if the ID dangles. */
  get indexType(): Type {
    return this.ref(this.indexTypeId);
  }
}

/** A member of a struct or union. */
export class Member {
  declare private readonly resolver: TypeResolver;
  /** The member's name; '' for an anonymous struct or union member. */
  declare readonly name: string;
  /** ID of the member's type. */
  declare readonly typeId: number;
  /** Offset from the start of the struct, in bits. */
  declare readonly bitOffset: number;
  /** Width of a bitfield in bits; 0 for a plain member. */
  declare readonly bitfieldSize: number;
  constructor(resolver: TypeResolver, name: string, typeId: number, bitOffset: number, bitfieldSize: number) {
    this.resolver = resolver;
    this.name = name;
    this.typeId = typeId;
    this.bitOffset = bitOffset;
    this.bitfieldSize = bitfieldSize;
  }
  /** The member's type. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    const t = this.resolver.typeById(this.typeId);
    if (!t) throw new BtfError(`member '${this.name}' references type [${this.typeId}], which does not exist`);
    return t;
  }
  /** The member as plain data, for `JSON.stringify`: its fields, the type as an ID. */
  toJSON(): { name: string; typeId: number; bitOffset: number; bitfieldSize: number } {
    return { name: this.name, typeId: this.typeId, bitOffset: this.bitOffset, bitfieldSize: this.bitfieldSize };
  }
  /** How Node prints the member: its fields, not the spec behind it. @internal */
  [INSPECT](depth: number, options: InspectOptions, inspect: unknown): string {
    return inspectAs('Member', this.toJSON(), depth, options, inspect);
  }
}

abstract class Composite extends TypeBase {
  declare readonly size: number;
  declare readonly members: readonly Member[];
  /** The kind_flag: member offsets carry bitfield sizes. */
  declare readonly kindFlag: boolean;
  constructor(id: number, name: string, resolver: TypeResolver, size: number, members: readonly Member[], kindFlag: boolean) {
    super(id, name, resolver);
    this.size = size;
    this.members = members;
    this.kindFlag = kindFlag;
  }
  /** The member with this name, searched only at this level (not in anonymous members). */
  member(name: string): Member | undefined {
    return this.members.find((m) => m.name === name);
  }
}
/** STRUCT. */
export class Struct extends Composite {
  /** Always `'struct'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'struct';
  constructor(id: number, name: string, resolver: TypeResolver, size: number, members: readonly Member[], kindFlag: boolean) {
    super(id, name, resolver, size, members, kindFlag);
    this.kind = 'struct';
  }
}
/** UNION. */
export class Union extends Composite {
  /** Always `'union'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'union';
  constructor(id: number, name: string, resolver: TypeResolver, size: number, members: readonly Member[], kindFlag: boolean) {
    super(id, name, resolver, size, members, kindFlag);
    this.kind = 'union';
  }
}

/** One enumerator of an ENUM. */
export interface EnumValue {
  /** The enumerator's name. */
  readonly name: string;
  /** Its value (negative only for a signed enum). */
  readonly value: number;
}
/** One enumerator of an ENUM64. */
export interface Enum64Value {
  /** The enumerator's name. */
  readonly name: string;
  /** Its value (negative only for a signed enum). */
  readonly value: bigint;
}

/** ENUM (up to 32-bit values). */
export class Enum extends TypeBase {
  /** Size in bytes (1, 2, 4; 8 is ENUM64's). */
  declare readonly size: number;
  /** kind_flag: the values are signed. */
  declare readonly signed: boolean;
  /** The enumerators, in order. */
  declare readonly values: readonly EnumValue[];
  /** Always `'enum'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'enum';
  constructor(id: number, name: string, resolver: TypeResolver, size: number, signed: boolean, values: readonly EnumValue[]) {
    super(id, name, resolver);
    this.size = size;
    this.signed = signed;
    this.values = values;
    this.kind = 'enum';
  }
}

/** ENUM64 (64-bit values). */
export class Enum64 extends TypeBase {
  /** Size in bytes. */
  declare readonly size: number;
  /** kind_flag: the values are signed. */
  declare readonly signed: boolean;
  /** The enumerators, in order. */
  declare readonly values: readonly Enum64Value[];
  /** Always `'enum64'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'enum64';
  constructor(id: number, name: string, resolver: TypeResolver, size: number, signed: boolean, values: readonly Enum64Value[]) {
    super(id, name, resolver);
    this.size = size;
    this.signed = signed;
    this.values = values;
    this.kind = 'enum64';
  }
}

/** FWD: a struct or union declared but not defined here. */
export class Fwd extends TypeBase {
  /** What is declared: `struct` or `union` (the kind_flag). */
  declare readonly fwdKind: 'struct' | 'union';
  /** Always `'fwd'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'fwd';
  constructor(id: number, name: string, resolver: TypeResolver, fwdKind: 'struct' | 'union') {
    super(id, name, resolver);
    this.fwdKind = fwdKind;
    this.kind = 'fwd';
  }
}

/** FUNC: a function, whose `type` is its FUNC_PROTO. */
export class Func extends TypeBase {
  /** ID of the FUNC_PROTO. */
  declare readonly typeId: number;
  /** `static`, `global` or `extern`; the number for a value the format does not name. */
  declare readonly linkage: Linkage | number;
  /** Always `'func'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'func';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number, linkage: Linkage | number) {
    super(id, name, resolver);
    this.typeId = typeId;
    this.linkage = linkage;
    this.kind = 'func';
  }
  /** The referenced type (the prototype). @throws {BtfError} if the ID dangles. */
  get type(): Type {
    return this.ref(this.typeId);
  }
  /** The prototype. @throws {BtfError} if the FUNC does not reference a FUNC_PROTO. */
  get proto(): FuncProto {
    const t = this.type;
    if (t.kind !== 'func_proto') throw new BtfError(`FUNC references ${t.kind}, not FUNC_PROTO`, { typeId: this.id });
    return t;
  }
}

/** One parameter of a FUNC_PROTO. */
export class Param {
  declare private readonly resolver: TypeResolver;
  /** The parameter's name; '' when unnamed (and for the variadic marker). */
  declare readonly name: string;
  /** ID of the parameter's type (0 for the variadic marker). */
  declare readonly typeId: number;
  constructor(resolver: TypeResolver, name: string, typeId: number) {
    this.resolver = resolver;
    this.name = name;
    this.typeId = typeId;
  }
  /** The parameter's type. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    const t = this.resolver.typeById(this.typeId);
    if (!t) throw new BtfError(`parameter '${this.name}' references type [${this.typeId}], which does not exist`);
    return t;
  }
  /** The parameter as plain data, for `JSON.stringify`: its name and type ID. */
  toJSON(): { name: string; typeId: number } {
    return { name: this.name, typeId: this.typeId };
  }
  /** How Node prints the parameter: its fields, not the spec behind it. @internal */
  [INSPECT](depth: number, options: InspectOptions, inspect: unknown): string {
    return inspectAs('Param', this.toJSON(), depth, options, inspect);
  }
}

/** FUNC_PROTO. A trailing parameter with type 0 and no name marks a variadic function. */
export class FuncProto extends TypeBase {
  /** ID of the return type; 0 for `void`. */
  declare readonly returnTypeId: number;
  /** All wire params, including the variadic marker if any. */
  declare readonly rawParams: readonly Param[];
  /** Always `'func_proto'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'func_proto';
  constructor(id: number, name: string, resolver: TypeResolver, returnTypeId: number, rawParams: readonly Param[]) {
    super(id, name, resolver);
    this.returnTypeId = returnTypeId;
    this.rawParams = rawParams;
    this.kind = 'func_proto';
  }
  /** The return type (`void` for ID 0). @throws {BtfError} if the ID dangles. */
  get returnType(): Type {
    return this.ref(this.returnTypeId);
  }
  /** Whether the last wire param is the `...` marker. */
  get variadic(): boolean {
    const last = this.rawParams[this.rawParams.length - 1];
    return last !== undefined && last.typeId === 0 && last.name === '';
  }
  /** Named parameters, without the variadic marker. */
  get params(): readonly Param[] {
    return this.variadic ? this.rawParams.slice(0, -1) : this.rawParams;
  }
}

/** VAR: a global variable. */
export class Var extends TypeBase {
  /** ID of the variable's type. */
  declare readonly typeId: number;
  /** `static`, `global` or `extern`; the number for a value the format does not name. */
  declare readonly linkage: Linkage | number;
  /** Always `'var'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'var';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number, linkage: Linkage | number) {
    super(id, name, resolver);
    this.typeId = typeId;
    this.linkage = linkage;
    this.kind = 'var';
  }
  /** The variable's type. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    return this.ref(this.typeId);
  }
}

/** One variable of a DATASEC. */
export interface VarSecinfo {
  /** ID of the VAR (or FUNC) in the section. */
  readonly typeId: number;
  /** Its offset in the section, in bytes. */
  readonly offset: number;
  /** Its size in bytes. */
  readonly size: number;
}

/** DATASEC: a section of global variables. */
export class Datasec extends TypeBase {
  /** Size of the section in bytes (0 in an object until the loader fixes it up). */
  declare readonly size: number;
  /** The variables in the section, by offset. */
  declare readonly vars: readonly VarSecinfo[];
  /** Always `'datasec'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'datasec';
  constructor(id: number, name: string, resolver: TypeResolver, size: number, vars: readonly VarSecinfo[]) {
    super(id, name, resolver);
    this.size = size;
    this.vars = vars;
    this.kind = 'datasec';
  }
}

/** FLOAT. */
export class Float extends TypeBase {
  /** Size in bytes (2, 4, 8, 12 or 16). */
  declare readonly size: number;
  /** Always `'float'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'float';
  constructor(id: number, name: string, resolver: TypeResolver, size: number) {
    super(id, name, resolver);
    this.size = size;
    this.kind = 'float';
  }
}

/** DECL_TAG: an attribute on a declaration; `name` is the tag's value. */
export class DeclTag extends TypeBase {
  /** ID of the tagged declaration (a struct, union, FUNC, VAR or TYPEDEF). */
  declare readonly typeId: number;
  /** -1 for the declaration itself, else the member or parameter index. */
  declare readonly componentIdx: number;
  /** Always `'decl_tag'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'decl_tag';
  constructor(id: number, name: string, resolver: TypeResolver, typeId: number, componentIdx: number) {
    super(id, name, resolver);
    this.typeId = typeId;
    this.componentIdx = componentIdx;
    this.kind = 'decl_tag';
  }
  /** The tagged declaration. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    return this.ref(this.typeId);
  }
  /** The tag's value (the `name` field). */
  get value(): string {
    return this.name;
  }
}

/** A kind newer than this library, described only by the blob's layout section. */
export class UnknownKind extends TypeBase {
  /** The wire kind number. */
  declare readonly kindNumber: number;
  /** Always `'unknown'`: `switch (t.kind)` narrows a {@link Type} to this class. */
  declare readonly kind: 'unknown';
  constructor(id: number, name: string, resolver: TypeResolver, kindNumber: number) {
    super(id, name, resolver);
    this.kindNumber = kindNumber;
    this.kind = 'unknown';
  }
}

/** Any BTF type. */
export type Type =
  | Void
  | Int
  | Pointer
  | ArrayType
  | Struct
  | Union
  | Enum
  | Fwd
  | Typedef
  | Volatile
  | Const
  | Restrict
  | Func
  | FuncProto
  | Var
  | Datasec
  | Float
  | DeclTag
  | TypeTag
  | Enum64
  | UnknownKind;

/** The `kind` strings of {@link Type}. */
export type TypeKind = Type['kind'];

/**
 * The type class of a kind: `TypeOfKind<'struct'>` is {@link Struct}. Lookups given a kind
 * (`spec.typeByName('task_struct', 'struct')`) return it, so no cast is needed.
 */
export type TypeOfKind<K extends TypeKind> = Extract<Type, { kind: K }>;

/** A type as {@link Type.toJSON | toJSON} gives it: plain data, no spec behind it. */
export interface TypeJson {
  /** The kind, as {@link Type.kind}. */
  kind: TypeKind;
  /** The type ID in its spec. */
  id: number;
  /** The name; '' when anonymous. */
  name: string;
  /** The BTF object the type belongs to (`vmlinux`, a module's name), when its spec has a name. */
  spec?: string;
  /** The kind's own fields (`size`, `members`, `typeId`, ...). */
  [field: string]: unknown;
}

/** `v` as JSON can hold it: objects with a `toJSON` through it, bigints as decimal strings. */
function plainData(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plainData);
  if (v !== null && typeof v === 'object') {
    const j = (v as { toJSON?: unknown }).toJSON;
    if (typeof j === 'function') return j.call(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plainData(x);
    return out;
  }
  return v;
}

export { KIND_BY_NUMBER, kindNumber } from './kinds.js';
