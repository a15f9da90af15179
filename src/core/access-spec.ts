/**
 * A CO-RE access specification: what one relocation reaches in one BTF, as libbpf models it.
 * The raw spec is the access string as numbers (`'0:1:2'` → `[0, 1, 2]`), one step per level
 * of nesting, anonymous members included; the high-level spec keeps only the steps that carry
 * meaning across BTFs (named members and array indices), which is what is matched against
 * candidate types; the bit offset is where the access lands. Parsing the local side is here;
 * matching a candidate is in `match.ts`.
 * @module
 */

import { isQualifierOrTypedef, trySizeOf } from '../btf/layout.js';
import type { Spec } from '../btf/spec.js';
import type { ArrayType, Type } from '../btf/types.js';
import { CoreError } from '../errors.js';
import { coreReloKindName, isEnumvalKind, isFieldKind, isTypeKind } from './relo-kind.js';

/** Most steps an access may take (libbpf's `BPF_CORE_SPEC_MAX_LEN`). */
export const MAX_SPEC_LEN = 64;
/** Bounds typedef/qualifier chains and size resolution, as libbpf does. */
const MAX_RESOLVE_DEPTH = 32;
const U32 = 2 ** 32;

/** One high-level step: a named member of a struct/union, or an array element. */
export interface Accessor {
  /** For a member: the struct or union holding it (qualifiers stripped). For an index: the element type (stripped). */
  readonly type: Type;
  /** Member index within `type`, or the array index. */
  readonly idx: number;
  /** The member's name; `undefined` for an array index (or the first, pointer-like step). */
  readonly name: string | undefined;
}

/** What one relocation reaches in one BTF: the local object's, or a candidate's. */
export interface CoreSpec {
  /** The relocation kind. */
  readonly kind: number;
  /** The type the access starts from, as given (typedefs and qualifiers not stripped). */
  readonly root: Type;
  /** High-level steps. Empty for type-based kinds; one enumerator for enumval kinds. */
  readonly accessors: Accessor[];
  /** Low-level steps, one per access-string element (anonymous members included). */
  readonly raw: number[];
  /** Bit offset of the access from the start of the root, modulo 2^32 as libbpf keeps it. */
  bitOffset: number;
}

/** Strips typedefs and qualifiers (libbpf's `skip_mods_and_typedefs`). */
export function skipModsAndTypedefs(t: Type): Type {
  let cur = t;
  for (let depth = 0; isQualifierOrTypedef(cur); depth++) {
    if (depth > MAX_RESOLVE_DEPTH * 4) throw new CoreError(`type [${t.id}]: typedef/qualifier chain too long`);
    cur = (cur as Extract<Type, { type: Type }>).type;
  }
  return cur;
}

/**
 * Size in bytes of a value of type `t` as libbpf's `btf__resolve_size` computes it, or
 * `undefined` for a type without a size (void, fwd, func, func_proto) or one too large: the
 * library's one implementation ({@link trySizeOf}), with the pointer size libbpf infers from `long`.
 */
export function resolveSize(t: Type): number | undefined {
  return trySizeOf(t);
}

/** `bitOffset + idx * size * 8`, wrapping at 32 bits as libbpf's `__u32 bit_offset` does. */
export function addBits(bitOffset: number, idx: number, size: number): number {
  const product = idx * size * 8;
  if (Number.isSafeInteger(product)) return (bitOffset + product) % U32;
  return Number((BigInt(bitOffset) + BigInt(idx) * BigInt(size) * 8n) % BigInt(U32));
}

/**
 * Whether `arr`, reached through `prev`, is a flexible array: of zero length, and the last
 * member of the struct that `prev` names it in.
 */
export function isFlexArray(prev: Accessor | undefined, arr: ArrayType): boolean {
  if (prev?.name === undefined || arr.nelems > 0) return false;
  const t = prev.type;
  return (t.kind === 'struct' || t.kind === 'union') && prev.idx === t.members.length - 1;
}

/**
 * Parses an access string (`'0:1:2'`) into numbers. Stricter than libbpf's `sscanf` loop:
 * only decimal digits separated by single colons.
 * @throws {CoreError} for anything else, or more than {@link MAX_SPEC_LEN} steps.
 */
export function parseAccessString(access: string): number[] {
  if (!/^\d+(?::\d+)*$/.test(access)) throw new CoreError(`malformed access string '${access}'`);
  const raw = access.split(':').map(Number);
  if (raw.length > MAX_SPEC_LEN) throw new CoreError(`access string '${access}' is longer than ${MAX_SPEC_LEN} steps`);
  for (const n of raw) if (n > 0x7fffffff) throw new CoreError(`access string '${access}' has an index out of range`);
  return raw;
}

/**
 * Turns a relocation of the local object into its spec (libbpf's `bpf_core_parse_spec`),
 * checking every step against the local BTF.
 * @throws {CoreError} when the record is malformed: unknown kind, bad access string, an index
 * out of range, a step through a type that has no members or elements, a type without a size.
 */
export function parseLocalSpec(btf: Spec, typeId: number, access: string, kind: number): CoreSpec {
  const root = btf.typeById(typeId);
  if (!root || typeId === 0) throw new CoreError(`local type [${typeId}] does not exist`);
  if (access === '' || access.startsWith(':')) throw new CoreError(`malformed access string '${access}'`);
  const spec: CoreSpec = { kind, root, accessors: [], raw: [], bitOffset: 0 };
  if (isTypeKind(kind)) {
    if (access !== '0')
      throw new CoreError(`access string of a ${coreReloKindName(kind)} relocation must be '0', not '${access}'`);
    return spec;
  }
  if (!isEnumvalKind(kind) && !isFieldKind(kind)) throw new CoreError(`unknown CO-RE relocation kind ${kind}`);
  spec.raw.push(...parseAccessString(access));
  let t = skipModsAndTypedefs(root);
  const first = spec.raw[0]!;

  if (isEnumvalKind(kind)) {
    if (t.kind !== 'enum' && t.kind !== 'enum64') {
      throw new CoreError(`${coreReloKindName(kind)} relocation on [${typeId}] ${t.kind}, not an enum`);
    }
    if (spec.raw.length > 1 || first >= t.values.length) {
      throw new CoreError(`access string '${access}' is out of range for enum [${typeId}] (${t.values.length} values)`);
    }
    spec.accessors.push({ type: t, idx: first, name: t.values[first]!.name });
    return spec;
  }

  spec.accessors.push({ type: t, idx: first, name: undefined });
  const rootSize = resolveSize(t);
  if (rootSize === undefined) throw new CoreError(`type [${t.id}] ${t.kind} has no size`);
  spec.bitOffset = addBits(0, first, rootSize);

  for (let i = 1; i < spec.raw.length; i++) {
    t = skipModsAndTypedefs(t);
    const idx = spec.raw[i]!;
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[idx];
      if (!m)
        throw new CoreError(
          `access string '${access}': member ${idx} is out of range for [${t.id}] ${t.kind} ${t.name || '<anon>'}`,
        );
      spec.bitOffset = (spec.bitOffset + m.bitOffset) % U32;
      if (m.name !== '') spec.accessors.push({ type: t, idx, name: m.name });
      t = m.type;
    } else if (t.kind === 'array') {
      const elem = skipModsAndTypedefs(t.type);
      const flex = isFlexArray(spec.accessors[spec.accessors.length - 1], t);
      if (!flex && idx >= t.nelems) {
        throw new CoreError(`access string '${access}': index ${idx} is out of range for [${t.id}] array of ${t.nelems}`);
      }
      spec.accessors.push({ type: elem, idx, name: undefined });
      const size = resolveSize(elem);
      if (size === undefined) throw new CoreError(`type [${elem.id}] ${elem.kind} has no size`);
      spec.bitOffset = addBits(spec.bitOffset, idx, size);
      t = elem;
    } else {
      throw new CoreError(`access string '${access}' (at step ${i}) goes through type [${t.id}] of kind ${t.kind}`);
    }
  }
  return spec;
}

/**
 * The spec in libbpf's debug-log notation, e.g. `<byte_off> [7] struct task.parent (0:3 @ offset 24)`
 * or `<enumval_value> [12] enum state::SLEEPING = 1`.
 */
export function formatSpec(spec: CoreSpec): string {
  const root = spec.root;
  let s = `<${coreReloKindName(spec.kind)}> [${root.id}] ${root.kind} ${root.name || '<anon>'}`;
  if (isTypeKind(spec.kind)) return s;
  if (isEnumvalKind(spec.kind)) {
    const t = skipModsAndTypedefs(root);
    if (t.kind === 'enum' || t.kind === 'enum64') {
      const e = t.values[spec.raw[0]!];
      if (e) {
        s += `::${e.name} = ${e.value}`;
      }
    }
    return s;
  }
  spec.accessors.forEach((a, i) => {
    if (a.name !== undefined) s += `.${a.name}`;
    else if (i > 0 || a.idx > 0) s += `[${a.idx}]`;
  });
  const off = spec.bitOffset % 8 === 0 ? `${spec.bitOffset / 8}` : `${Math.floor(spec.bitOffset / 8)}.${spec.bitOffset % 8}`;
  return `${s} (${spec.raw.join(':')} @ offset ${off})`;
}
