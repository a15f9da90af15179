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

/** One spec's own types of one kind, for name searches that read only the records of that kind. */
interface KindGroup {
  /** Local indices of the kind's types, ascending. */
  readonly order: Int32Array;
  /** Their name offsets, in the same order. */
  readonly names: Uint32Array;
  /** The first four bytes of each name, in the same order (see {@link prefixKey}). */
  readonly prefixes: Uint32Array;
}

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
 * The first four bytes of the name at `bytes[at]`, up to its NUL, the rest zero, little end
 * first: a name and the key a search makes of its essential name (see {@link searchKeys}) are
 * equal whenever the name can be a candidate. (namePrefixes computes the same for a kind's names.)
 */
function prefixKey(bytes: Uint8Array, at: number): number {
  const b0 = bytes[at] ?? 0;
  if (b0 === 0) return 0;
  const b1 = bytes[at + 1] ?? 0;
  if (b1 === 0) return b0;
  const b2 = bytes[at + 2] ?? 0;
  if (b2 === 0) return b0 | (b1 << 8);
  return (b0 | (b1 << 8) | (b2 << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}

/** The table (of `tables`, root base first) holding name offset `off`. */
function tableOf(tables: readonly StringTable[], off: number): StringTable {
  let table = tables.length - 1;
  while (table > 0 && off < tables[table]!.start) table--;
  return tables[table]!;
}

/**
 * The group of `kindNo` in `spec`: one pass over the info words, then the first bytes of the
 * kind's names, made when the kind is first asked about (a relocation asks about two or three
 * kinds of the twenty, a cold process pays only for those).
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
  const order = recordsOfKind(words, starts, count, kindNo);
  const names = new Uint32Array(order.length);
  const prefixes = new Uint32Array(order.length);
  namePrefixes(words, starts, order, groups.tables, names, prefixes);
  group = { order, names, prefixes };
  groups.byKind[kindNo] = group;
  return group;
}

// recordsOfKind and namePrefixes are the two passes of groupOf, each a function of its own with
// one loop and no calls: a cold process runs them once over vmlinux's some 130,000 records (and
// 10,000 structs), and V8 compiles a hot loop's whole function on the fly (OSR) to finish it.
// With both loops in groupOf, each compile took the other loop and the calls along: two
// background compiles of 10-16 ms of CPU in every first load, for loops that run in 1.

/** Local indices of the records of kind `kindNo`, ascending. */
function recordsOfKind(words: Uint32Array, starts: Uint32Array, count: number, kindNo: number): Int32Array {
  const order = new Int32Array(count);
  let n = 0;
  // The kind read in place (infoKind's bits).
  for (let i = 0; i < count; i++) if (((words[starts[i]! + 1]! >>> 24) & 0x7f) === kindNo) order[n++] = i;
  return order.slice(0, n);
}

/**
 * Fills `names` with the name offset of each record of `order` and `prefixes` with its name's
 * {@link prefixKey} (written out here, not called). A name outside every table keeps key 0,
 * which no search makes: it is never a candidate.
 */
function namePrefixes(
  words: Uint32Array,
  starts: Uint32Array,
  order: Int32Array,
  tables: readonly StringTable[],
  names: Uint32Array,
  prefixes: Uint32Array,
): void {
  const own = tables[tables.length - 1]!;
  for (let p = 0; p < order.length; p++) {
    const off = words[starts[order[p]!]!]!;
    names[p] = off;
    // Most names are the spec's own; a split spec's may lie in a base's table.
    const t = off >= own.start ? own : tableOf(tables, off);
    const bytes = t.bytes;
    const at = off - t.start;
    if (at >= bytes.length) continue;
    const b0 = bytes[at]!;
    const b1 = b0 === 0 ? 0 : (bytes[at + 1] ?? 0);
    const b2 = b1 === 0 ? 0 : (bytes[at + 2] ?? 0);
    const b3 = b2 === 0 ? 0 : (bytes[at + 3] ?? 0);
    prefixes[p] = (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
  }
}

/**
 * The {@link prefixKey}s a candidate of the essential name `q` (UTF-8, not empty) can have: a
 * candidate is `q` itself (when `exact`) or `q___flavour`, so its first four bytes are `q`'s, or
 * for a shorter `q`, `q` then a NUL or underscores.
 */
function searchKeys(q: Uint8Array, exact: boolean): number[] {
  if (q.length >= 4) return [prefixKey(q, 0)];
  const flavoured = new Uint8Array(4).fill(UNDERSCORE);
  flavoured.set(q);
  return exact ? [prefixKey(q, 0), prefixKey(flavoured, 0)] : [prefixKey(flavoured, 0)];
}

/**
 * The own types of `spec` (not its base's) that are candidates for `essential` of BTF kind
 * `kind` (or of any kind of a list), in ID order: those whose essential name is `essential`
 * (named `essential` itself, or `essential___flavour`; libbpf's rule). Nothing of the spec is
 * validated, indexed by name or decoded but the types returned: the kind's records are found in
 * one pass over the info words, and its names' first four bytes are read once; each search then
 * finds the names that start like `essential` with the typed array's own (native) `indexOf`, and
 * compares only those in full. A cold process spends no interpreted loop over the names per
 * search, and a warm one a few microseconds.
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
  const { order, names, prefixes } = group;
  const q = encodeUtf8(essential);
  const len = q.length;
  // A name equal to `essential` is a candidate only if `essential` has no flavour itself.
  const exact = essentialNameLength(essential) === essential.length;
  const tables = kindGroups.get(spec)!.tables;
  const keys = searchKeys(q, exact);
  const positions: number[] = [];
  for (const key of keys) {
    for (let p = prefixes.indexOf(key); p >= 0; p = prefixes.indexOf(key, p + 1)) positions.push(p);
  }
  // One key's positions come in order; only a short name's two keys need merging. Names that
  // share their first four bytes are many in places (vmlinux's 1,600 typedefs `btf_trace_*`,
  // among which `tp_btf` targets are looked up): no sort of those, and no object made per name
  // read below, halved a cold process's first such lookups.
  if (keys.length > 1) positions.sort((a, b) => a - b);
  const out: Type[] = [];
  for (const p of positions) {
    const off = names[p]!;
    const t = tableOf(tables, off);
    const bytes = t.bytes;
    const at = off - t.start;
    if (at + len >= bytes.length) continue;
    let k = 0;
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
