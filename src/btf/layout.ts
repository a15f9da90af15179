/**
 * Size, alignment and resolution queries over the model, with the C rules libbpf's
 * `btf__resolve_size` and `btf__align_of` follow (computed in size-align.ts, the one place
 * that knows them).
 * @module
 */
import { BtfError } from '../errors.js';
import { SpecRecords } from './record-at.js';
import { DEFAULT_POINTER_SIZE, pointerSizeOf, TypeLayout } from './size-align.js';
import type { Spec } from './spec.js';
import type { Member, Type } from './types.js';

/**
 * The pointer size of a BTF that names no `long` (libbpf then takes the host's). A spec's own is
 * {@link pointerSizeOf}.
 */
export const POINTER_SIZE = DEFAULT_POINTER_SIZE;
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

/** Each spec's {@link TypeLayout}, made on first use. */
const layouts = new WeakMap<Spec, TypeLayout>();

/**
 * The sizes and alignments of `spec`'s types (and its bases'), on libbpf's rules, with the
 * pointer size libbpf infers from `long`. One per spec, kept while the spec lives.
 */
export function layoutOf(spec: Spec): TypeLayout {
  let layout = layouts.get(spec);
  if (!layout) {
    layout = new TypeLayout(new SpecRecords(spec), pointerSizeOf(spec));
    layouts.set(spec, layout);
  }
  return layout;
}

/**
 * Size in bytes of a value of type `t`, as libbpf's `btf__resolve_size` computes it (see
 * {@link TypeLayout.sizeOf}), or `undefined` when it has none: void, FWD, FUNC, FUNC_PROTO, a
 * chain deeper than libbpf follows, or a size past 32 bits. CO-RE's byte sizes are this.
 */
export function trySizeOf(t: Type): number | undefined {
  const size = layoutOf(t.spec).sizeOf(t.id);
  return size < 0 ? undefined : size;
}

/**
 * Size in bytes of a value of type `t`, as `sizeof` in C ({@link trySizeOf}).
 * @throws {BtfError} for types without a size (void, func, func_proto, fwd, ...).
 */
export function sizeOf(t: Type): number {
  const size = trySizeOf(t);
  if (size === undefined) throw new BtfError(`${resolveType(t).kind} has no size`, { typeId: t.id });
  return size;
}

/**
 * Alignment in bytes of type `t`, as libbpf's `btf__align_of` computes it (see
 * {@link TypeLayout.alignOf}): the natural alignment of scalars (capped at the pointer size),
 * the largest member alignment for structs and unions (1 when packed is detected: a member at an
 * offset that its alignment would not allow).
 * @throws {BtfError} for types without an alignment (void, func, func_proto, fwd, ...).
 */
export function alignOf(t: Type): number {
  const align = layoutOf(t.spec).alignOf(t.id);
  if (align <= 0) throw new BtfError(`${resolveType(t).kind} has no alignment`, { typeId: t.id });
  return align;
}

/** A member found by path, with its offset from the outermost struct. */
export interface MemberLocation {
  /** The member found (the last of the path). */
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
