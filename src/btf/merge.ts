/**
 * Merging kernel modules' split BTF into one split BTF on their common base (vmlinux): every
 * module's types are appended, then deduplicated across modules and against the base, so a
 * type that many modules carry appears once.
 *
 * The appended types are a working set that is never written: like libbpf (`btf__add_type` for
 * each module, then `btf__dedup`, whose own limit is 2^31 types) it may run past the format's
 * 1,048,575 type IDs; only the deduplicated result must fit. Deduplicating the whole set at once
 * keeps the output byte for byte libbpf's, which deduplicating in batches would not in general
 * (its FWD resolution needs a name to be unique among all modules' structs, and a batch's
 * string section would lose the strings only its dropped types used).
 * @module
 */
import { BtfError } from '../errors.js';
import { Builder } from './builder.js';
import { MAX_TYPE_ID } from './kinds.js';
import type { Spec } from './spec.js';

/**
 * How many type IDs the working set of a merge may use: libbpf's `BTF_MAX_NR_TYPES`
 * (0x7fffffff), less one so that every ID and the dedup's markers fit an `Int32Array`.
 */
const WORKING_ID_LIMIT = 0x7ffffffe;

/** One module to merge: its split spec (opened on the merge's base) and a name for messages. */
export interface MergeInput {
  /** The module's name, for messages (`veth`). */
  name: string;
  /** Its split BTF, opened on the merge's base. */
  spec: Spec;
}

/** How to merge. */
export interface MergeOptions {
  /** Run the kernel-like validation on each module first (catches a wrong base); default true. */
  validate?: boolean;
  /** Skip deduplication (the result then holds every module's types as they were). */
  noDedup?: boolean;
  /** Called after each module is appended. */
  onProgress?: (done: number, total: number, name: string) => void;
}

/** What a merge produced. */
export interface MergeResult {
  /** The merged types: `builder.marshal()` writes them. */
  builder: Builder;
  /** How many modules were merged. */
  inputs: number;
  /** Own types of all modules together. */
  typesBefore: number;
  /** Own types of the merged result. */
  typesAfter: number;
  /** ID in the merged result of each module's first own type, before deduplication. */
  firstIds: number[];
  /**
   * Where each output type came from: `origins[id - builder.firstId]` is the index in `modules`
   * of the first module (in input order) that carried the type, the one whose copy the others'
   * were deduplicated into.
   */
  origins: Int32Array;
}

/**
 * Appends every module's types onto `base` and deduplicates them.
 * @throws {BtfError} naming the module whose base is not `base`, or whose BTF is malformed;
 * or when the result (after deduplication) has more types than the format's type IDs hold.
 */
export function merge(base: Spec, modules: readonly MergeInput[], options: MergeOptions = {}): MergeResult {
  const builder = new Builder({ base });
  builder.table.idLimit = WORKING_ID_LIMIT;
  // Room for every module's records up front: no regrowing (and copying) of the table on the
  // way, and no spare capacity left over from doubling (on vmlinux, 2.5 MB of base records
  // copied into a table of twice that for a few thousand module types).
  let words = 0;
  let types = 0;
  for (const m of modules) {
    words += m.spec.section.words.length;
    types += m.spec.count;
  }
  builder.table.reserve(words, true);
  builder.table.reserveTypes(types);
  let typesBefore = 0;
  const firstIds: number[] = [];
  modules.forEach((m, i) => {
    if (m.spec.base !== base) {
      throw new BtfError(`module ${m.name}: its BTF was opened on a different base than the merge's`);
    }
    if (options.validate ?? true) {
      try {
        m.spec.validate();
      } catch (err) {
        if (err instanceof BtfError) {
          throw new BtfError(`module ${m.name}: not split BTF of this base (${err.message})`);
        }
        throw err;
      }
    }
    typesBefore += m.spec.count;
    firstIds.push(builder.addSpec(m.spec));
    options.onProgress?.(i + 1, modules.length, m.name);
  });
  const idMap = options.noDedup ? undefined : builder.dedup().idMap;
  const origins = new Int32Array(builder.count).fill(-1);
  const first = builder.firstId;
  modules.forEach((m, i) => {
    for (let id = firstIds[i]!, end = id + m.spec.count; id < end; id++) {
      const k = (idMap ? (idMap[id] as number) : id) - first;
      if (k >= 0 && origins[k] === -1) origins[k] = i;
    }
  });
  builder.table.idLimit = MAX_TYPE_ID;
  if (builder.table.nextId - 1 > MAX_TYPE_ID) {
    const what = options.noDedup ? 'not deduplicated' : 'after deduplication';
    throw new BtfError(
      `merged result does not fit the format: ${builder.count} types (${what}, of ${typesBefore} from ${modules.length} modules) on a base of ${base.nextId - 1} run to type ID ${builder.table.nextId - 1}, beyond ${MAX_TYPE_ID} (0xfffff); merge fewer modules`,
    );
  }
  return { builder, inputs: modules.length, typesBefore, typesAfter: builder.count, firstIds, origins };
}
