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
 * its alignment would not allow). Iterative, so arrays and structs nested to any depth are fine.
 * @throws {BtfError} for types without a size.
 */
export function alignOf(t: Type): number {
  const root = alignTarget(t);
  if (root.kind !== 'struct' && root.kind !== 'union') return scalarAlign(root);
  // Post-order over the composites `root` contains by value, on an explicit stack.
  const known = new Map<Type, number>();
  const onStack = new Set<Type>([root]);
  const stack: { type: Extract<Type, { members: readonly Member[] }>; next: number }[] = [{ type: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const members = top.type.members;
    let descend: Type | undefined;
    while (top.next < members.length) {
      const m = alignTarget(members[top.next]!.type);
      if ((m.kind === 'struct' || m.kind === 'union') && !known.has(m)) {
        if (onStack.has(m)) throw new BtfError('type contains itself by value', { typeId: m.id });
        descend = m;
        break;
      }
      top.next++;
    }
    if (descend !== undefined) {
      onStack.add(descend);
      stack.push({ type: descend as Extract<Type, { members: readonly Member[] }>, next: 0 });
      continue;
    }
    let align = 1;
    let packed = false;
    for (const m of members) {
      const mt = alignTarget(m.type);
      const a = mt.kind === 'struct' || mt.kind === 'union' ? known.get(mt)! : scalarAlign(mt);
      if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) {
        packed = true;
        break;
      }
      align = Math.max(align, a);
    }
    known.set(top.type, packed || top.type.size % align !== 0 ? 1 : align);
    onStack.delete(top.type);
    stack.pop();
  }
  return known.get(root)!;
}

/** The type whose alignment `t` has: through typedefs, qualifiers and array elements. */
function alignTarget(t: Type): Type {
  let cur = resolveType(t);
  for (let n = 0; cur.kind === 'array'; n++) {
    // Each step leaves one array behind; a valid spec has fewer arrays than IDs.
    if (n > 0xfffff) throw new BtfError('array chain too long (loop?)', { typeId: t.id });
    cur = resolveType(cur.type);
  }
  return cur;
}

/** Alignment of a type that is neither a composite, an array, a typedef nor a qualifier. */
function scalarAlign(r: Type): number {
  switch (r.kind) {
    case 'int':
    case 'enum':
    case 'enum64':
    case 'float':
      return Math.min(r.size, POINTER_SIZE) || 1;
    case 'ptr':
      return POINTER_SIZE;
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
 * Depth-first on an explicit stack, so anonymous members nested to any depth are fine.
 * @throws {BtfError} on an anonymous member that contains itself (bytes changed after validation).
 */
export function findMember(t: Type, name: string): MemberLocation | undefined {
  const root = resolveType(t);
  if (root.kind !== 'struct' && root.kind !== 'union') return undefined;
  const direct = (members: readonly Member[], base: number): MemberLocation | undefined => {
    for (const m of members) {
      if (m.name === name) return { member: m, bitOffset: base + m.bitOffset, bitfieldSize: m.bitfieldSize };
    }
    return undefined;
  };
  const found = direct(root.members, 0);
  if (found) return found;
  // Each entry: an aggregate's members, their offset from the outermost type, the next to try.
  const stack: { members: readonly Member[]; base: number; next: number; type: Type }[] = [
    { members: root.members, base: 0, next: 0, type: root },
  ];
  const onPath = new Set<Type>([root]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    let pushed = false;
    while (top.next < top.members.length) {
      const m = top.members[top.next++]!;
      if (m.name !== '') continue;
      const r = resolveType(m.type);
      if (r.kind !== 'struct' && r.kind !== 'union') continue;
      if (onPath.has(r)) throw new BtfError('type contains itself by value', { typeId: r.id });
      const base = top.base + m.bitOffset;
      const inner = direct(r.members, base);
      if (inner) return inner;
      onPath.add(r);
      stack.push({ members: r.members, base, next: 0, type: r });
      pushed = true;
      break;
    }
    if (!pushed) {
      onPath.delete(top.type);
      stack.pop();
    }
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
