/**
 * Inflates one wire record into its model class. Called by {@link Spec} on first access of an ID.
 * @module
 */
import { BtfError } from '../errors.js';
import { FUNC_LINKAGE, Kind, type Linkage, VAR_LINKAGE } from './kinds.js';
import type { StringTable } from './strings.js';
import type { TypeSection } from './type-section.js';
import {
  ArrayType,
  Const,
  Datasec,
  DeclTag,
  Enum,
  Enum64,
  type Enum64Value,
  type EnumValue,
  Float,
  Func,
  FuncProto,
  Fwd,
  Int,
  Member,
  Param,
  Pointer,
  Restrict,
  Struct,
  type Type,
  Typedef,
  type TypeResolver,
  TypeTag,
  Union,
  UnknownKind,
  Var,
  type VarSecinfo,
  Volatile,
} from './types.js';
import {
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  memberBitfieldSize,
  memberBitOffset,
} from './wire.js';

/** Decodes the i-th record of `section` as type `id`, resolving names through `strings`. */
export function decodeType(section: TypeSection, strings: StringTable, resolver: TypeResolver, i: number, id: number): Type {
  const info = section.info(i);
  const name = nameAt(strings, section.nameOff(i), section, i, id);
  return (DECODERS[infoKind(info)] as Decoder)(section, strings, resolver, i, id, info, name, section.sizeOrType(i));
}

/**
 * Inflates one record of a known kind, given its `info` word, its name and its size-or-type
 * word. One small function per kind, called through {@link DECODERS}, rather than one switch
 * over every kind: vmlinux meets its kinds in runs (its FUNCs start halfway, its DATASEC is
 * last), and each kind met late threw away the switch's optimized code for want of feedback,
 * four times over a first walk, each time compiled again; a function per kind is optimized on
 * its own kind's feedback alone.
 */
type Decoder = (
  section: TypeSection,
  strings: StringTable,
  resolver: TypeResolver,
  i: number,
  id: number,
  info: number,
  name: string,
  st: number,
) => Type;

/** Decoders by kind number; kinds this library does not know become {@link UnknownKind}. */
const DECODERS: Decoder[] = new Array<Decoder>(128).fill(
  (_s, _t, r, _i, id, info, n) => new UnknownKind(id, n, r, infoKind(info)),
);
DECODERS[Kind.Int] = (s, _t, r, i, id, _info, n, st) => {
  const v = s.u32(i, 0);
  return new Int(id, n, r, st, intEncoding(v), intBitOffset(v), intBits(v));
};
DECODERS[Kind.Ptr] = (_s, _t, r, _i, id, _info, n, st) => new Pointer(id, n, r, st);
DECODERS[Kind.Typedef] = (_s, _t, r, _i, id, _info, n, st) => new Typedef(id, n, r, st);
DECODERS[Kind.Volatile] = (_s, _t, r, _i, id, _info, n, st) => new Volatile(id, n, r, st);
DECODERS[Kind.Const] = (_s, _t, r, _i, id, _info, n, st) => new Const(id, n, r, st);
DECODERS[Kind.Restrict] = (_s, _t, r, _i, id, _info, n, st) => new Restrict(id, n, r, st);
DECODERS[Kind.TypeTag] = (_s, _t, r, _i, id, _info, n, st) => new TypeTag(id, n, r, st);
DECODERS[Kind.Array] = (s, _t, r, i, id, _info, n) => new ArrayType(id, n, r, s.u32(i, 0), s.u32(i, 4), s.u32(i, 8));
DECODERS[Kind.Struct] = (s, t, r, i, id, info, n, st) => new Struct(id, n, r, st, members(s, t, r, i, id, info), infoKflag(info));
DECODERS[Kind.Union] = (s, t, r, i, id, info, n, st) => new Union(id, n, r, st, members(s, t, r, i, id, info), infoKflag(info));
DECODERS[Kind.Enum] = (s, t, r, i, id, info, n, st) => {
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const values: EnumValue[] = new Array(vlen);
  for (let j = 0; j < vlen; j++) {
    const raw = kflag ? s.i32(i, j * 8 + 4) : s.u32(i, j * 8 + 4);
    values[j] = { name: nameAt(t, s.u32(i, j * 8), s, i, id), value: raw };
  }
  return new Enum(id, n, r, st, kflag, values);
};
DECODERS[Kind.Enum64] = (s, t, r, i, id, info, n, st) => {
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const values: Enum64Value[] = new Array(vlen);
  for (let j = 0; j < vlen; j++) {
    const lo = BigInt(s.u32(i, j * 12 + 4));
    const hi = BigInt(s.u32(i, j * 12 + 8));
    const u = (hi << 32n) | lo;
    values[j] = { name: nameAt(t, s.u32(i, j * 12), s, i, id), value: kflag ? BigInt.asIntN(64, u) : u };
  }
  return new Enum64(id, n, r, st, kflag, values);
};
DECODERS[Kind.Fwd] = (_s, _t, r, _i, id, info, n) => new Fwd(id, n, r, infoKflag(info) ? 'union' : 'struct');
DECODERS[Kind.Func] = (_s, _t, r, _i, id, info, n, st) => new Func(id, n, r, st, linkage(FUNC_LINKAGE, infoVlen(info)));
DECODERS[Kind.FuncProto] = (s, t, r, i, id, info, n, st) => {
  const vlen = infoVlen(info);
  const params: Param[] = new Array(vlen);
  for (let j = 0; j < vlen; j++) params[j] = new Param(r, nameAt(t, s.u32(i, j * 8), s, i, id), s.u32(i, j * 8 + 4));
  return new FuncProto(id, n, r, st, params);
};
DECODERS[Kind.Var] = (s, _t, r, i, id, _info, n, st) => new Var(id, n, r, st, linkage(VAR_LINKAGE, s.u32(i, 0)));
DECODERS[Kind.Datasec] = (s, _t, r, i, id, info, n, st) => {
  const vlen = infoVlen(info);
  const vars: VarSecinfo[] = new Array(vlen);
  for (let j = 0; j < vlen; j++) vars[j] = { typeId: s.u32(i, j * 12), offset: s.u32(i, j * 12 + 4), size: s.u32(i, j * 12 + 8) };
  return new Datasec(id, n, r, st, vars);
};
DECODERS[Kind.Float] = (_s, _t, r, _i, id, _info, n, st) => new Float(id, n, r, st);
DECODERS[Kind.DeclTag] = (s, _t, r, i, id, _info, n, st) => new DeclTag(id, n, r, st, s.i32(i, 0));

/** The members of struct or union record `i`. */
function members(s: TypeSection, t: StringTable, r: TypeResolver, i: number, id: number, info: number): Member[] {
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const out: Member[] = new Array(vlen);
  for (let j = 0; j < vlen; j++) {
    const off = s.u32(i, j * 12 + 8);
    out[j] = new Member(
      r,
      nameAt(t, s.u32(i, j * 12), s, i, id),
      s.u32(i, j * 12 + 4),
      memberBitOffset(off, kflag),
      memberBitfieldSize(off, kflag),
    );
  }
  return out;
}

/**
 * The name at `off`. A plain function rather than a closure over the record: one closure made
 * per type (126,000 in vmlinux) was garbage that every walk paid for.
 * @throws {BtfError} for an offset past the string section, naming type `id`.
 */
function nameAt(strings: StringTable, off: number, section: TypeSection, i: number, id: number): string {
  const s = strings.lookup(off);
  if (s === undefined) throw new BtfError(`name offset ${off} is out of range`, { typeId: id, offset: section.offset(i) });
  return s;
}

function linkage(names: readonly Linkage[], value: number): Linkage | number {
  return names[value] ?? value;
}
