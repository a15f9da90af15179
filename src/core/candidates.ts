/**
 * Where CO-RE finds target types: the candidate seam between the pure relocation engine and
 * whatever holds kernel BTF (the live registry of vmlinux and modules, files given by the user,
 * or plain spec lists in tests), and the essential-name rule that decides which types are
 * candidates for a local type.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import type { StringTable } from '../btf/strings.js';
import { kindNumber, type Type, type TypeKind } from '../btf/types.js';
import { infoKind } from '../btf/wire.js';
import { encodeUtf8 } from '../internal/utf8.js';

/** One BTF object that may hold CO-RE candidates: vmlinux, a module, or an external file. */
export interface CandidateObject {
  /** `'vmlinux'`, a module name such as `'veth'`, or a file name. */
  readonly name: string;
  /** Its BTF: base BTF for vmlinux, split BTF (on vmlinux) for a module. */
  readonly spec: Spec;
}

/** The candidates one object holds for one essential name, in type ID order. */
export interface CandidateGroup {
  /** The BTF object the candidates are in. */
  readonly object: CandidateObject;
  /** The candidate types, in type ID order (IDs as numbered in `object.spec`). */
  readonly types: readonly Type[];
}

/** Where CO-RE looks for target types. Order: vmlinux first, then modules. */
export interface CandidateSource {
  /**
   * Types whose essential name (see {@link essentialName}) equals `essentialName`, of BTF kind
   * `kind` or, given a list, of any of its kinds (exactly those, nothing resolved: struct,
   * union, enum, enum64, int, fwd, typedef, func...), grouped by object, objects in the
   * source's order, types in ID order. A module's group holds only the module's own types,
   * never those of its base. Objects without a candidate may be left out. Ask for all the kinds
   * a local type may match at once (`['enum', 'enum64']`): a source that searches modules only
   * when vmlinux has no candidate must see vmlinux's candidates of every kind to decide.
   */
  candidates(essentialName: string, kind: TypeKind | readonly TypeKind[], hint?: CandidateHint): readonly CandidateGroup[];
}

/** What the asker will do with the candidates, so that a source may spare work. */
export interface CandidateHint {
  /**
   * Only the main object's (vmlinux's) candidates will be used when it has any (libbpf's rule):
   * a source may then leave the modules unsearched.
   */
  readonly vmlinuxFirst?: boolean;
}

const UNDERSCORE = 0x5f;

/**
 * Length of the essential part of a CO-RE name: the text before the last flavour separator,
 * where a separator is three underscores with a character that is not an underscore on each
 * side (`X___Y`). `task_struct___v1` → 11, `a___b___c` → 4 (`a___b`), `__u32` and `x____y`
 * have no separator and are wholly essential. This is libbpf's `bpf_core_essential_name_len`.
 */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i) !== UNDERSCORE &&
      name.charCodeAt(i + 1) === UNDERSCORE &&
      name.charCodeAt(i + 2) === UNDERSCORE &&
      name.charCodeAt(i + 3) === UNDERSCORE &&
      name.charCodeAt(i + 4) !== UNDERSCORE
    ) {
      return i + 1;
    }
  }
  return name.length;
}

/** The essential part of a CO-RE name: `veth_rq___v2` → `veth_rq` (see {@link essentialNameLength}). */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** Whether two names have the same essential part: `veth_rq` and `veth_rq___v2` do. */
export function sameEssentialName(a: string, b: string): boolean {
  const n = essentialNameLength(a);
  return n === essentialNameLength(b) && a.slice(0, n) === b.slice(0, n);
}

/** One spec's own types of one kind, for name scans that read only the records of that kind. */
interface KindGroup {
  /** Local indices of the kind's types, ascending. */
  readonly order: Int32Array;
  /** Their name offsets, in the same order. */
  readonly names: Uint32Array;
  /** Searches so far: the first few scan {@link names}, later ones use the hash. */
  searches: number;
  /**
   * Open addressing over {@link keyHash}es of the names: slot → group position + 1 (0 empty),
   * with each slot's hash beside it; made by the {@link HASH_AFTER}-th search of the group.
   */
  slots: Int32Array | undefined;
  hashes: Int32Array | undefined;
}

/**
 * Searches of one kind's group that scan its names before the group is hashed: a scan reads a
 * byte of every name of the kind (about 0.5 ms over vmlinux's structs warm, in cache misses),
 * the hash reads every name whole once (about 10 ms over vmlinux's structs in a cold process)
 * and answers later searches at once. A one-shot relocation (tens of local types) scans; a
 * process that relocates again (a second load, a warm registry) hashes.
 */
const HASH_AFTER = 24;

/** Per spec: the groups of the kinds asked for so far, and its string tables. */
interface KindGroups {
  /** Kind number → its group, made on the first question about the kind. */
  readonly byKind: (KindGroup | undefined)[];
  /** String tables from the root base up: a name offset falls in exactly one of them. */
  readonly tables: readonly StringTable[];
}

/** Per spec: its types by kind. */
const kindGroups = new WeakMap<Spec, KindGroups>();

/**
 * The group of `kindNo` in `spec`: one pass over the info words, made when the kind is first
 * asked about (a relocation asks about two or three kinds of the twenty, a cold process pays
 * only for those).
 */
function groupOf(spec: Spec, kindNo: number): KindGroup {
  let groups = kindGroups.get(spec);
  if (!groups) {
    const tables: StringTable[] = [];
    for (let t: StringTable | undefined = spec.strings; t; t = t.base) tables.unshift(t);
    groups = { byKind: [], tables };
    kindGroups.set(spec, groups);
  }
  let group = groups.byKind[kindNo];
  if (group) return group;
  const { words, starts, count } = spec.section;
  const order = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) if (infoKind(words[starts[i]! + 1]!) === kindNo) order[n++] = i;
  const names = new Uint32Array(n);
  for (let p = 0; p < n; p++) names[p] = words[starts[order[p]!]!]!;
  group = { order: order.slice(0, n), names, searches: 0, slots: undefined, hashes: undefined };
  groups.byKind[kindNo] = group;
  return group;
}

/**
 * FNV-1a of a name's key: its bytes up to and including the character before its first flavour
 * separator (`X___Y`), or the whole name (up to NUL, or `end`). Every name whose essential part
 * is `e` has the key of `e`: its first separator lies inside `e`, and is `e`'s first too.
 */
function keyHash(bytes: Uint8Array, at: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = at; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0) break;
    h = Math.imul(h ^ b, 0x01000193);
    if (b !== UNDERSCORE && bytes[i + 1] === UNDERSCORE && bytes[i + 2] === UNDERSCORE && bytes[i + 3] === UNDERSCORE) {
      const y = i + 4 < end ? bytes[i + 4] : undefined;
      if (y !== undefined && y !== UNDERSCORE && y !== 0) break;
    }
  }
  return h | 0;
}

/** Hashes every name of `group` by {@link keyHash}. */
function hashGroup(group: KindGroup, tables: readonly StringTable[]): void {
  const { names } = group;
  const n = names.length;
  let size = 16;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size);
  const hashes = new Int32Array(size);
  for (let p = 0; p < n; p++) {
    const off = names[p]!;
    let table = tables.length - 1;
    while (table > 0 && off < tables[table]!.start) table--;
    const t = tables[table]!;
    const at = off - t.start;
    // A name outside every table is left out: no search can match it.
    if (at >= t.bytes.length) continue;
    const h = keyHash(t.bytes, at, t.bytes.length);
    let slot = h & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = p + 1;
    hashes[slot] = h;
  }
  group.slots = slots;
  group.hashes = hashes;
}

/**
 * The own types of `spec` (not its base's) that are candidates for `essential` of BTF kind
 * `kind` (or of any kind of a list), in ID order: those whose essential name is `essential` (named `essential` itself, or
 * `essential___flavour`; libbpf's rule). The names of the kind's records are compared as bytes
 * in place: nothing of the spec is validated, indexed by name or decoded but the types returned.
 */
export function candidatesIn(spec: Spec, essential: string, kind: TypeKind | readonly TypeKind[]): Type[] {
  if (typeof kind !== 'string') {
    const all = kind.flatMap((k) => candidatesIn(spec, essential, k));
    return kind.length > 1 ? all.sort((a, b) => a.id - b.id) : all;
  }
  if (essential === '') return [];
  const kindNo = kindNumber(kind);
  if (kindNo === 0) return [];
  const group = groupOf(spec, kindNo);
  const { order, names } = group;
  const n = names.length;
  const q = encodeUtf8(essential);
  const len = q.length;
  const first = q[0]!;
  // A name equal to `essential` is a candidate only if `essential` has no flavour itself.
  const exact = essentialNameLength(essential) === essential.length;
  const tables = kindGroups.get(spec)!.tables;
  if (group.slots === undefined && ++group.searches > HASH_AFTER) hashGroup(group, tables);
  let positions: ArrayLike<number> | undefined;
  if (group.slots !== undefined) {
    // The positions whose key hashes like the name's, in group (ID) order; checked below.
    const { slots, hashes } = group;
    const mask = slots.length - 1;
    const h = keyHash(q, 0, len);
    const found: number[] = [];
    for (let slot = h & mask; slots[slot] !== 0; slot = (slot + 1) & mask) if (hashes![slot] === h) found.push(slots[slot]! - 1);
    positions = found.sort((a, b) => a - b);
  }
  const out: Type[] = [];
  const count = positions ? positions.length : n;
  for (let i = 0; i < count; i++) {
    const p = positions ? positions[i]! : i;
    const off = names[p]!;
    let table = tables.length - 1;
    while (table > 0 && off < tables[table]!.start) table--;
    const t = tables[table]!;
    const at = off - t.start;
    const bytes = t.bytes;
    // A name outside every table is skipped: decoding the type reports it, if it is ever reached.
    if (bytes[at] !== first || at + len >= bytes.length) continue;
    let k = 1;
    while (k < len && bytes[at + k] === q[k]) k++;
    if (k < len) continue;
    const after = bytes[at + len]!;
    if (after === 0) {
      if (!exact) continue;
    } else if (after !== UNDERSCORE) {
      continue;
    } else {
      const end = bytes.indexOf(0, at + len);
      if (essentialBytes(bytes, at, end < 0 ? bytes.length : end) !== len) continue;
    }
    out.push(spec.mustTypeById(spec.firstId + order[p]!));
  }
  return out;
}

/** Byte length of the essential part of the name at `bytes[start, end)` (see {@link essentialNameLength}). */
export function essentialBytes(bytes: Uint8Array, start: number, end: number): number {
  for (let i = end - 5; i >= start; i--) {
    if (
      bytes[i] !== UNDERSCORE &&
      bytes[i + 1] === UNDERSCORE &&
      bytes[i + 2] === UNDERSCORE &&
      bytes[i + 3] === UNDERSCORE &&
      bytes[i + 4] !== UNDERSCORE
    ) {
      return i + 1 - start;
    }
  }
  return end - start;
}

/**
 * A {@link CandidateSource} over a plain list of BTF objects, searched in list order (put
 * vmlinux first). Each spec's types are grouped by kind on first use.
 */
export function specCandidateSource(objects: readonly CandidateObject[]): CandidateSource {
  const list = [...objects];
  return {
    candidates(essential: string, kind: TypeKind | readonly TypeKind[], hint?: CandidateHint): CandidateGroup[] {
      const out: CandidateGroup[] = [];
      for (const object of list) {
        if (hint?.vmlinuxFirst && object.spec.base !== undefined && out.some((g) => g.object.spec.base === undefined)) break;
        const types = candidatesIn(object.spec, essential, kind);
        if (types.length > 0) out.push({ object, types });
      }
      return out;
    },
  };
}
