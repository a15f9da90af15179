/**
 * Size, alignment and resolution queries over the model, with the C rules libbpf's
 * `btf__resolve_size` and `btf__align_of` follow.
 * @module
 */
import { BtfError } from '../errors.js';
import type { Member, Type } from './types.js';

/** Pointer size assumed for PTR: BTF does not record it; every kernel target with BTF is 64-bit. */
export const POINTER_SIZE = 8;
/** Bounds the walk through typedef and qualifier chains (a valid spec has no loops). */
const MAX_CHAIN = 32;

/** Whether `t` is a typedef or a qualifier (const, volatile, restrict, type tag). */
export function isQualifierOrTypedef(t: Type): boolean {
  return t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag';
}

/**
 * Strips typedefs and qualifiers: `const volatile u32` resolves to the `unsigned int` INT.
 * @throws {BtfError} on a chain longer than any valid spec has.
 */
export function resolveType(t: Type): Type {
  let cur = t;
  for (let depth = 0; isQualifierOrTypedef(cur); depth++) {
    if (depth > MAX_CHAIN) throw new BtfError('typedef/qualifier chain too long (loop?)', { typeId: t.id });
    cur = (cur as Extract<Type, { type: Type }>).type;
  }
  return cur;
}

/**
 * Size in bytes of a value of type `t`, as `sizeof` in C.
 * @throws {BtfError} for types without a size (void, func, func_proto, fwd, ...).
 */
export function sizeOf(t: Type): number {
  let cur = t;
  let mult = 1;
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    switch (cur.kind) {
      case 'int':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'float':
      case 'datasec':
        return mult * cur.size;
      case 'ptr':
        return mult * POINTER_SIZE;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'var':
        cur = cur.type;
        break;
      case 'array':
        mult *= cur.nelems;
        cur = cur.type;
        break;
      default:
        throw new BtfError(`${cur.kind} has no size`, { typeId: cur.id });
    }
  }
  throw new BtfError('type chain too long (loop?)', { typeId: t.id });
}

/**
 * Alignment in bytes of type `t`: the natural alignment of scalars (capped at 8), the largest
 * member alignment for structs and unions (1 when packed is detected: a member at an offset that
 * its alignment would not allow).
 * @throws {BtfError} for types without a size.
 */
export function alignOf(t: Type): number {
  const r = resolveType(t);
  switch (r.kind) {
    case 'int':
    case 'enum':
    case 'enum64':
    case 'float':
      return Math.min(r.size, POINTER_SIZE) || 1;
    case 'ptr':
      return POINTER_SIZE;
    case 'array':
      return alignOf(r.type);
    case 'struct':
    case 'union': {
      let align = 1;
      for (const m of r.members) {
        const a = alignOf(m.type);
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return 1;
        align = Math.max(align, a);
      }
      return r.size % align === 0 ? align : 1;
    }
    default:
      throw new BtfError(`${r.kind} has no alignment`, { typeId: r.id });
  }
}

/** A member found by path, with its offset from the outermost struct. */
export interface MemberLocation {
  readonly member: Member;
  /** Offset in bits from the start of the outermost type. */
  readonly bitOffset: number;
  /** Bitfield width, 0 for a plain member. */
  readonly bitfieldSize: number;
}

/**
 * Finds a member by name, looking into anonymous struct and union members as C does
 * (`skb->len` finds `len` inside an anonymous union). Offsets accumulate along the way.
 */
export function findMember(t: Type, name: string): MemberLocation | undefined {
  const r = resolveType(t);
  if (r.kind !== 'struct' && r.kind !== 'union') return undefined;
  for (const m of r.members) {
    if (m.name === name) return { member: m, bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize };
  }
  for (const m of r.members) {
    if (m.name !== '') continue;
    const inner = findMember(m.type, name);
    if (inner) return { ...inner, bitOffset: m.bitOffset + inner.bitOffset };
  }
  return undefined;
}

/**
 * Follows a dotted member path (`'sk.__sk_common.skc_family'`) from `t`, through anonymous
 * members, and returns the last member with its total offset.
 */
export function memberPath(t: Type, path: string): MemberLocation | undefined {
  let cur = t;
  let offset = 0;
  let last: MemberLocation | undefined;
  for (const part of path.split('.')) {
    const m = findMember(cur, part);
    if (!m) return undefined;
    offset += m.bitOffset;
    last = { ...m, bitOffset: offset };
    cur = m.member.type;
  }
  return last;
}
