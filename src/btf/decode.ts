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
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const n = nameAt(strings, section.nameOff(i), section, i, id);
  const st = section.sizeOrType(i);
  switch (kind) {
    case Kind.Int: {
      const v = section.u32(i, 0);
      return new Int(id, n, resolver, st, intEncoding(v), intBitOffset(v), intBits(v));
    }
    case Kind.Ptr:
      return new Pointer(id, n, resolver, st);
    case Kind.Typedef:
      return new Typedef(id, n, resolver, st);
    case Kind.Volatile:
      return new Volatile(id, n, resolver, st);
    case Kind.Const:
      return new Const(id, n, resolver, st);
    case Kind.Restrict:
      return new Restrict(id, n, resolver, st);
    case Kind.TypeTag:
      return new TypeTag(id, n, resolver, st);
    case Kind.Array:
      return new ArrayType(id, n, resolver, section.u32(i, 0), section.u32(i, 4), section.u32(i, 8));
    case Kind.Struct:
    case Kind.Union: {
      const members: Member[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        const off = section.u32(i, j * 12 + 8);
        members[j] = new Member(
          resolver,
          nameAt(strings, section.u32(i, j * 12), section, i, id),
          section.u32(i, j * 12 + 4),
          memberBitOffset(off, kflag),
          memberBitfieldSize(off, kflag),
        );
      }
      return kind === Kind.Struct
        ? new Struct(id, n, resolver, st, members, kflag)
        : new Union(id, n, resolver, st, members, kflag);
    }
    case Kind.Enum: {
      const values: EnumValue[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        const raw = kflag ? section.i32(i, j * 8 + 4) : section.u32(i, j * 8 + 4);
        values[j] = { name: nameAt(strings, section.u32(i, j * 8), section, i, id), value: raw };
      }
      return new Enum(id, n, resolver, st, kflag, values);
    }
    case Kind.Enum64: {
      const values: Enum64Value[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        const lo = BigInt(section.u32(i, j * 12 + 4));
        const hi = BigInt(section.u32(i, j * 12 + 8));
        const u = (hi << 32n) | lo;
        values[j] = { name: nameAt(strings, section.u32(i, j * 12), section, i, id), value: kflag ? BigInt.asIntN(64, u) : u };
      }
      return new Enum64(id, n, resolver, st, kflag, values);
    }
    case Kind.Fwd:
      return new Fwd(id, n, resolver, kflag ? 'union' : 'struct');
    case Kind.Func:
      return new Func(id, n, resolver, st, linkage(FUNC_LINKAGE, vlen));
    case Kind.FuncProto: {
      const params: Param[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        params[j] = new Param(resolver, nameAt(strings, section.u32(i, j * 8), section, i, id), section.u32(i, j * 8 + 4));
      }
      return new FuncProto(id, n, resolver, st, params);
    }
    case Kind.Var:
      return new Var(id, n, resolver, st, linkage(VAR_LINKAGE, section.u32(i, 0)));
    case Kind.Datasec: {
      const vars: VarSecinfo[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        vars[j] = { typeId: section.u32(i, j * 12), offset: section.u32(i, j * 12 + 4), size: section.u32(i, j * 12 + 8) };
      }
      return new Datasec(id, n, resolver, st, vars);
    }
    case Kind.Float:
      return new Float(id, n, resolver, st);
    case Kind.DeclTag:
      return new DeclTag(id, n, resolver, st, section.i32(i, 0));
    default:
      return new UnknownKind(id, n, resolver, kind);
  }
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
