/**
 * Where CO-RE finds target types: the candidate seam between the pure relocation engine and
 * whatever holds kernel BTF (the live registry of vmlinux and modules, files given by the user,
 * or plain spec lists in tests), and the essential-name rule that decides which types are
 * candidates for a local type.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import type { StringTable } from '../btf/strings.js';
import type { Type, TypeKind } from '../btf/types.js';

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
 * Per spec: essential name → IDs of the own types whose names carry a flavour (`name___x`).
 * Types named exactly by their essential name are found through the spec's name index.
 */
const flavouredBySpec = new WeakMap<Spec, Map<string, number[]>>();

/** Per string table: offsets (in the table's numbering) of the strings that carry a flavour separator. */
const flavouredStrings = new WeakMap<StringTable, Set<number>>();

/**
 * Offsets of the flavoured strings (`x___y`) of `table` and its bases, found by one scan of the
 * raw bytes for triple underscores: nothing is decoded but the few strings that have one.
 */
function flavouredOffsets(table: StringTable, out: Set<number>[] = []): Set<number>[] {
  let set = flavouredStrings.get(table);
  if (!set) {
    set = new Set();
    const b = table.bytes;
    // Any run of three underscores has one at a position divisible by 3: test those only.
    for (let q = 3; q < b.length; q += 3) {
      if (b[q] !== UNDERSCORE) continue;
      for (let p = q - 2; p <= q; p++) {
        if (b[p] !== UNDERSCORE || b[p + 1] !== UNDERSCORE || b[p + 2] !== UNDERSCORE) continue;
        const before = b[p - 1];
        const after = b[p + 3];
        if (before === 0 || before === UNDERSCORE || after === undefined || after === 0 || after === UNDERSCORE) continue;
        let start = p;
        while (start > 0 && b[start - 1] !== 0) start--;
        set.add(table.start + start);
      }
    }
    flavouredStrings.set(table, set);
  }
  out.push(set);
  return table.base ? flavouredOffsets(table.base, out) : out;
}

function flavouredIndex(spec: Spec): Map<string, number[]> {
  let index = flavouredBySpec.get(spec);
  if (index) return index;
  index = new Map();
  const sets = flavouredOffsets(spec.strings).filter((s) => s.size > 0);
  const flavoured = sets.length === 1 ? sets[0]! : new Set(sets.flatMap((s) => [...s]));
  if (flavoured.size > 0) {
    // One pass over the raw records' name offsets; only flavoured names are decoded.
    const { words, starts, count } = spec.section;
    for (let i = 0; i < count; i++) {
      const off = words[starts[i]!]!;
      if (!flavoured.has(off)) continue;
      const name = spec.strings.lookup(off)!;
      const n = essentialNameLength(name);
      if (n === name.length) continue;
      const key = name.slice(0, n);
      const ids = index.get(key);
      if (ids) ids.push(spec.firstId + i);
      else index.set(key, [spec.firstId + i]);
    }
  }
  flavouredBySpec.set(spec, index);
  return index;
}

/**
 * The own types of `spec` (not its base's) that are candidates for `essential` of BTF kind
 * `kind`, in ID order: named `essential` itself, or `essential___flavour`.
 */
export function candidatesIn(spec: Spec, essential: string, kind: TypeKind): Type[] {
  if (essential === '') return [];
  const out: Type[] = essentialNameLength(essential) === essential.length ? spec.ownTypesByName(essential, kind) : [];
  const flavoured = flavouredIndex(spec).get(essential);
  if (flavoured) {
    for (const id of flavoured) {
      const t = spec.typeById(id)!;
      if (t.kind === kind) out.push(t);
    }
    out.sort((a, b) => a.id - b.id);
  }
  return out;
}

/**
 * A {@link CandidateSource} over a plain list of BTF objects, searched in list order (put
 * vmlinux first). Each spec's flavoured names are indexed on first use.
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
