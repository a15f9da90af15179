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
import { fnv1a } from '../internal/hash.js';
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
  readonly object: CandidateObject;
  readonly types: readonly Type[];
}

/** Where CO-RE looks for target types. Order: vmlinux first, then modules. */
export interface CandidateSource {
  /**
   * Types whose essential name (see {@link essentialName}) equals `essentialName`, of BTF kind
   * `kind` (exactly that kind, nothing resolved: struct, union, enum, enum64, int, fwd, typedef,
   * func...), grouped by object, objects in the source's order, types in ID order. A module's
   * group holds only the module's own types, never those of its base. Objects without a
   * candidate may be left out.
   */
  candidates(essentialName: string, kind: TypeKind): readonly CandidateGroup[];
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

/**
 * The own types of one spec of one BTF kind, hashed by essential name: a chained hash table in
 * typed arrays, built by one pass over the raw records and the bytes of their names (nothing is
 * decoded, and only records of the kind are read past their info word). A type named
 * `essential` and one named `essential___flavour` land in the same chain, which is libbpf's
 * candidate rule: same kind, same essential name.
 */
interface KindNameIndex {
  readonly mask: number;
  /** Bucket → position in {@link indices} + 1 of the chain's first entry (0 = empty). */
  readonly heads: Int32Array;
  /** Position → position + 1 of the next entry in the same bucket. */
  readonly next: Int32Array;
  /** Position → local index of the type (ascending, so each chain runs in ID order). */
  readonly indices: Int32Array;
  /** Position → hash of the type's essential name. */
  readonly hashes: Uint32Array;
  /** Position → byte length of the essential name. */
  readonly lengths: Int32Array;
  /** Position → where the name starts in {@link tables}' bytes, and which table. */
  readonly starts: Int32Array;
  readonly tables: Uint8Array;
  readonly byTable: readonly Uint8Array[];
}

/** Per spec, per BTF kind number: the index of {@link KindNameIndex}, built on first use. */
const kindIndexes = new WeakMap<Spec, (KindNameIndex | undefined)[]>();

/** Byte length of the essential part of the name at `bytes[start, end)` (see {@link essentialNameLength}). */
function essentialBytes(bytes: Uint8Array, start: number, end: number): number {
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

function kindNameIndex(spec: Spec, kind: number): KindNameIndex {
  let perKind = kindIndexes.get(spec);
  if (!perKind) {
    perKind = [];
    kindIndexes.set(spec, perKind);
  }
  const known = perKind[kind];
  if (known) return known;
  const { words, starts: recordAt, count } = spec.section;
  const positions: number[] = [];
  for (let i = 0; i < count; i++) if (infoKind(words[recordAt[i]! + 1]!) === kind) positions.push(i);
  // String tables from the root base up: a name offset falls in exactly one of them.
  const chain: StringTable[] = [];
  for (let t: StringTable | undefined = spec.strings; t; t = t.base) chain.unshift(t);
  const n = positions.length;
  let size = 16;
  while (size < n * 2) size *= 2;
  const index: KindNameIndex = {
    mask: size - 1,
    heads: new Int32Array(size),
    next: new Int32Array(n),
    indices: Int32Array.from(positions),
    hashes: new Uint32Array(n),
    lengths: new Int32Array(n),
    starts: new Int32Array(n),
    tables: new Uint8Array(n),
    byTable: chain.map((t) => t.bytes),
  };
  // Insert in reverse so that each chain lists types in ID order.
  for (let p = n - 1; p >= 0; p--) {
    const off = words[recordAt[positions[p]!]!]!;
    if (off === 0) continue;
    let table = -1;
    for (let k = chain.length - 1; k >= 0; k--) {
      if (off >= chain[k]!.start) {
        if (off < chain[k]!.end) table = k;
        break;
      }
    }
    // A name outside every table: decoding the type reports it, if it is ever reached.
    if (table < 0) continue;
    const bytes = chain[table]!.bytes;
    const start = off - chain[table]!.start;
    const end = bytes.indexOf(0, start);
    const len = essentialBytes(bytes, start, end < 0 ? bytes.length : end);
    if (len === 0) continue;
    const h = fnv1a(bytes, start, start + len);
    index.hashes[p] = h;
    index.lengths[p] = len;
    index.starts[p] = start;
    index.tables[p] = table;
    const b = h & index.mask;
    index.next[p] = index.heads[b]!;
    index.heads[b] = p + 1;
  }
  perKind[kind] = index;
  return index;
}

/**
 * The own types of `spec` (not its base's) that are candidates for `essential` of BTF kind
 * `kind`, in ID order: those whose essential name is `essential` (named `essential` itself, or
 * `essential___flavour`). Nothing of the spec is validated or decoded but the types returned.
 */
export function candidatesIn(spec: Spec, essential: string, kind: TypeKind): Type[] {
  if (essential === '') return [];
  const kindNo = kindNumber(kind);
  if (kindNo === 0) return [];
  const index = kindNameIndex(spec, kindNo);
  const q = encodeUtf8(essential);
  const h = fnv1a(q, 0, q.length);
  const out: Type[] = [];
  for (let p = index.heads[h & index.mask]!; p > 0; p = index.next[p - 1]!) {
    const e = p - 1;
    if (index.hashes[e] !== h || index.lengths[e] !== q.length) continue;
    const bytes = index.byTable[index.tables[e]!]!;
    const start = index.starts[e]!;
    let same = true;
    for (let k = 0; k < q.length; k++) {
      if (bytes[start + k] !== q[k]) {
        same = false;
        break;
      }
    }
    if (same) out.push(spec.mustTypeById(spec.firstId + index.indices[e]!));
  }
  return out;
}

/**
 * A {@link CandidateSource} over a plain list of BTF objects, searched in list order (put
 * vmlinux first). Each spec's names are indexed, kind by kind, on first use.
 */
export function specCandidateSource(objects: readonly CandidateObject[]): CandidateSource {
  const list = [...objects];
  return {
    candidates(essential: string, kind: TypeKind): CandidateGroup[] {
      const out: CandidateGroup[] = [];
      for (const object of list) {
        const types = candidatesIn(object.spec, essential, kind);
        if (types.length > 0) out.push({ object, types });
      }
      return out;
    },
  };
}
