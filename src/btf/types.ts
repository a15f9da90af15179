/**
 * The user-facing type model. Each class mirrors one BTF kind and carries a literal `kind`
 * field, so a `switch (t.kind)` narrows. References are kept as IDs (`typeId`) and resolved on
 * demand through the spec the type came from (`t.type`), which keeps decoding lazy and lets
 * types of a module point into vmlinux without copying it.
 * @module
 */
import { BtfError } from '../errors.js';
import type { Linkage } from './kinds.js';
import type { Spec } from './spec.js';

/** What a type needs to resolve its references: the spec it was decoded from. */
export interface TypeResolver {
  /** The type with this ID, or `undefined` if no such ID. */
  typeById(id: number): Type | undefined;
}

/** Fields every type has. */
abstract class TypeBase {
  /** Type ID in its spec (0 only for `void`). */
  readonly id: number;
  /** Name; '' when anonymous. */
  readonly name: string;
  /** @internal resolves references. */
  protected readonly resolver: TypeResolver;

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

  /** Resolves a referenced type ID; throws only on a dangling ID, which validation reports first. */
  protected ref(typeId: number): Type {
    const t = this.resolver.typeById(typeId);
    if (!t) throw new BtfError(`references type [${typeId}], which does not exist`, { typeId: this.id });
    return t;
  }
}

/** `void`: type ID 0. */
export class Void extends TypeBase {
  readonly kind = 'void';
}

/** INT. */
export class Int extends TypeBase {
  readonly kind = 'int';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    /** Size in bytes. */
    readonly size: number,
    /** `BTF_INT_ENCODING` bits: 1 signed, 2 char, 4 bool. */
    readonly encoding: number,
    /** `BTF_INT_OFFSET`: bit offset of the value within `size`. */
    readonly bitOffset: number,
    /** `BTF_INT_BITS`: number of value bits. */
    readonly bits: number,
  ) {
    super(id, name, resolver);
  }
  get signed(): boolean {
    return (this.encoding & 1) !== 0;
  }
  get char(): boolean {
    return (this.encoding & 2) !== 0;
  }
  get bool(): boolean {
    return (this.encoding & 4) !== 0;
  }
}

/** Kinds that are one reference to another type and nothing else. */
abstract class RefType extends TypeBase {
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    /** ID of the referenced type. */
    readonly typeId: number,
  ) {
    super(id, name, resolver);
  }
  /** The referenced type. @throws {BtfError} if the ID dangles. */
  get type(): Type {
    return this.ref(this.typeId);
  }
}

/** PTR. */
export class Pointer extends RefType {
  readonly kind = 'ptr';
}
/** TYPEDEF. */
export class Typedef extends RefType {
  readonly kind = 'typedef';
}
/** VOLATILE. */
export class Volatile extends RefType {
  readonly kind = 'volatile';
}
/** CONST. */
export class Const extends RefType {
  readonly kind = 'const';
}
/** RESTRICT. */
export class Restrict extends RefType {
  readonly kind = 'restrict';
}
/** TYPE_TAG: an attribute on the referenced type; `name` is the tag's value. */
export class TypeTag extends RefType {
  readonly kind = 'type_tag';
  get value(): string {
    return this.name;
  }
}

/** ARRAY. */
export class ArrayType extends TypeBase {
  readonly kind = 'array';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly typeId: number,
    readonly indexTypeId: number,
    readonly nelems: number,
  ) {
    super(id, name, resolver);
  }
  get type(): Type {
    return this.ref(this.typeId);
  }
  get indexType(): Type {
    return this.ref(this.indexTypeId);
  }
}

/** A member of a struct or union. */
export class Member {
  constructor(
    private readonly resolver: TypeResolver,
    readonly name: string,
    readonly typeId: number,
    /** Offset from the start of the struct, in bits. */
    readonly bitOffset: number,
    /** Width of a bitfield in bits; 0 for a plain member. */
    readonly bitfieldSize: number,
  ) {}
  get type(): Type {
    const t = this.resolver.typeById(this.typeId);
    if (!t) throw new BtfError(`member '${this.name}' references type [${this.typeId}], which does not exist`);
    return t;
  }
}

abstract class Composite extends TypeBase {
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly size: number,
    readonly members: readonly Member[],
    /** The kind_flag: member offsets carry bitfield sizes. */
    readonly kindFlag: boolean,
  ) {
    super(id, name, resolver);
  }
  /** The member with this name, searched only at this level (not in anonymous members). */
  member(name: string): Member | undefined {
    return this.members.find((m) => m.name === name);
  }
}
/** STRUCT. */
export class Struct extends Composite {
  readonly kind = 'struct';
}
/** UNION. */
export class Union extends Composite {
  readonly kind = 'union';
}

/** One enumerator of an ENUM. */
export interface EnumValue {
  readonly name: string;
  readonly value: number;
}
/** One enumerator of an ENUM64. */
export interface Enum64Value {
  readonly name: string;
  readonly value: bigint;
}

/** ENUM (up to 32-bit values). */
export class Enum extends TypeBase {
  readonly kind = 'enum';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly size: number,
    /** kind_flag: the values are signed. */
    readonly signed: boolean,
    readonly values: readonly EnumValue[],
  ) {
    super(id, name, resolver);
  }
}

/** ENUM64 (64-bit values). */
export class Enum64 extends TypeBase {
  readonly kind = 'enum64';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly size: number,
    readonly signed: boolean,
    readonly values: readonly Enum64Value[],
  ) {
    super(id, name, resolver);
  }
}

/** FWD: a struct or union declared but not defined here. */
export class Fwd extends TypeBase {
  readonly kind = 'fwd';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly fwdKind: 'struct' | 'union',
  ) {
    super(id, name, resolver);
  }
}

/** FUNC: a function, whose `type` is its FUNC_PROTO. */
export class Func extends TypeBase {
  readonly kind = 'func';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly typeId: number,
    readonly linkage: Linkage | number,
  ) {
    super(id, name, resolver);
  }
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
  constructor(
    private readonly resolver: TypeResolver,
    readonly name: string,
    readonly typeId: number,
  ) {}
  get type(): Type {
    const t = this.resolver.typeById(this.typeId);
    if (!t) throw new BtfError(`parameter '${this.name}' references type [${this.typeId}], which does not exist`);
    return t;
  }
}

/** FUNC_PROTO. A trailing parameter with type 0 and no name marks a variadic function. */
export class FuncProto extends TypeBase {
  readonly kind = 'func_proto';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly returnTypeId: number,
    /** All wire params, including the variadic marker if any. */
    readonly rawParams: readonly Param[],
  ) {
    super(id, name, resolver);
  }
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
  readonly kind = 'var';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly typeId: number,
    readonly linkage: Linkage | number,
  ) {
    super(id, name, resolver);
  }
  get type(): Type {
    return this.ref(this.typeId);
  }
}

/** One variable of a DATASEC. */
export interface VarSecinfo {
  readonly typeId: number;
  readonly offset: number;
  readonly size: number;
}

/** DATASEC: a section of global variables. */
export class Datasec extends TypeBase {
  readonly kind = 'datasec';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly size: number,
    readonly vars: readonly VarSecinfo[],
  ) {
    super(id, name, resolver);
  }
}

/** FLOAT. */
export class Float extends TypeBase {
  readonly kind = 'float';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly size: number,
  ) {
    super(id, name, resolver);
  }
}

/** DECL_TAG: an attribute on a declaration; `name` is the tag's value. */
export class DeclTag extends TypeBase {
  readonly kind = 'decl_tag';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    readonly typeId: number,
    /** -1 for the declaration itself, else the member or parameter index. */
    readonly componentIdx: number,
  ) {
    super(id, name, resolver);
  }
  get type(): Type {
    return this.ref(this.typeId);
  }
  get value(): string {
    return this.name;
  }
}

/** A kind newer than this library, described only by the blob's layout section. */
export class UnknownKind extends TypeBase {
  readonly kind = 'unknown';
  constructor(
    id: number,
    name: string,
    resolver: TypeResolver,
    /** The wire kind number. */
    readonly kindNumber: number,
  ) {
    super(id, name, resolver);
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

export { KIND_BY_NUMBER, kindNumber } from './kinds.js';
