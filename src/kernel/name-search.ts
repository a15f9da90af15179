/**
 * Finding types by name across vmlinux and every module without decoding the modules that
 * cannot hold the name. A name is first looked for in the raw string sections (a byte search
 * for the first few lookups, then a hash index over every string, built once); only the modules
 * whose own strings hold it, or whose type records are named by vmlinux's copy of it, are
 * decoded and scanned.
 *
 * CO-RE asks by essential name (`veth_rq` for `veth_rq___v2`): the candidates are the types
 * named `veth_rq` or `veth_rq___<flavour>`. Flavoured names are rare, so every string with a
 * flavour separator is indexed once by its essential name.
 * @module
 */

import type { Spec } from '../btf/spec.js';
import { StringIndex } from '../btf/string-index.js';
import { KIND_BY_NUMBER, kindNumber, type Type, type TypeKind } from '../btf/types.js';
import { walkRecords } from '../btf/wire.js';
import { candidatesIn, essentialName, essentialNameLength } from '../core/candidates.js';
import type { ModuleCache, ModuleEntry } from './module-cache.js';
import { essentialOffsets, needleOf, stringOffsets } from './string-search.js';

/** A type found by name, with the BTF object that holds it. */
export interface TypeMatch {
  /** `vmlinux` or the module's name. */
  readonly object: string;
  /** The object's BTF object ID in the running kernel, when known. */
  readonly objectId: number | undefined;
  /** The type's ID (in a module: continuing after vmlinux's IDs, as the kernel numbers them). */
  readonly typeId: number;
  /** The type's kind. */
  readonly kind: TypeKind;
  /** The type's name (equal to the name searched for). */
  readonly name: string;
  /** The spec of the object (a module's is split on vmlinux's). */
  readonly spec: Spec;
  /** The decoded type. */
  readonly type: Type;
}

/** How many searches scan the raw bytes before the string index is built. */
const INDEX_AFTER = 3;

/**
 * How many essential names (CO-RE candidates) are searched for in the raw bytes before the
 * string index is built: a scan of every module's strings costs milliseconds, the index of
 * every string of 4,000 modules about half a second.
 */
const INDEX_ESSENTIAL_AFTER = 16;

/** Every string of vmlinux (table 0) and of the modules (tables 1...), and vmlinux's names. */
interface SearchIndex {
  index: StringIndex;
  /** Table number → `vmlinux` or module name. */
  names: string[];
  /** vmlinux name offset → local indices of the types named by it. */
  vmlinuxNames: Map<number, number[]>;
}

/** Essential name → the tables (0 vmlinux, then modules) and offsets of its flavoured strings. */
type FlavourIndex = Map<string, { table: number; offset: number }[]>;

const UTF8 = new TextDecoder();
const SEPARATOR = new Uint8Array([0x5f, 0x5f, 0x5f]);

/** Name search over one {@link ModuleCache}. */
export class NameSearch {
  readonly #cache: ModuleCache;
  readonly #objectId: (object: string) => number | undefined;
  #searches = 0;
  #essentialSearches = 0;
  #targetedWalks = 0;
  #generation = -1;
  #index: SearchIndex | undefined;
  #baseRefs: Map<number, string[]> | undefined;
  #flavours: { index: FlavourIndex; names: string[] } | undefined;

  /** @param objectId - the running kernel's object ID of `vmlinux` or a module, when known. */
  constructor(cache: ModuleCache, objectId: (object: string) => number | undefined) {
    this.#cache = cache;
    this.#objectId = objectId;
  }

  /** Drops the indexes when the cache's contents changed. */
  #sync(): void {
    if (this.#generation === this.#cache.generation) return;
    this.#generation = this.#cache.generation;
    this.#index = undefined;
    this.#baseRefs = undefined;
    this.#flavours = undefined;
  }

  /**
   * Every type named `name` (of `kind` if given) in `object` (vmlinux or a module) or, when
   * `object` is `undefined`, in vmlinux and then the modules by name. With `vmlinuxFirst`,
   * modules are searched only when vmlinux has no match.
   * @throws {NotFoundError} for an unknown module.
   */
  search(object: string | undefined, name: string, kind: TypeKind | undefined, vmlinuxFirst: boolean): TypeMatch[] {
    this.#sync();
    const cache = this.#cache;
    const vm = cache.vmlinux();
    const needle = needleOf(name);
    const out: TypeMatch[] = [];
    // With a kind, vmlinux's matches come from the per-kind name scan CO-RE uses anyway: no
    // scan of every record and no index over every string for a load's few attach targets.
    const byKind = kind !== undefined && kindNumber(kind) !== 0;
    let index: SearchIndex | undefined;
    let hits: ReturnType<StringIndex['lookup']> | undefined;
    let base: number[] | undefined;
    /** vmlinux's offsets of the name (modules may name their types by them), found once. */
    const baseOffsets = (): number[] => {
      if (base === undefined) {
        // After a few searches, index every string once: later lookups then take microseconds.
        index = object === undefined && this.#searches++ >= INDEX_AFTER ? this.#stringIndex() : undefined;
        hits = index?.index.lookup(needle.subarray(0, needle.byteLength - 1));
        base = hits ? hits.filter((h) => h.table === 0).map((h) => h.offset) : stringOffsets(vm.strings.bytes, needle);
      }
      return base;
    };
    if (object === undefined || object === 'vmlinux') {
      const vmId = this.#objectId('vmlinux');
      if (byKind) {
        for (const t of candidatesIn(vm, essentialName(name), kind)) {
          if (t.name === name) out.push(match(vm, 'vmlinux', vmId, t.id, kind, name));
        }
      } else {
        const offsets = baseOffsets();
        if (index) for (const off of offsets) pushMatches(vm, 'vmlinux', vmId, index.vmlinuxNames.get(off) ?? [], off, kind, out);
        else scanSpec(vm, 'vmlinux', vmId, offsets, kind, out);
      }
      if (object === 'vmlinux' || (vmlinuxFirst && out.length > 0)) return out;
    }
    // No modules (a kernel built without them): nothing more to search.
    if (object === undefined && cache.listing().size === 0) return out;
    const offsets = baseOffsets();
    const splitStart = vm.strings.end;
    if (object !== undefined) {
      const entry = cache.entry(object);
      const spec = cache.spec(entry, cache.strict);
      const own = spec ? stringOffsets(spec.strings.bytes, needle).map((o) => o + splitStart) : [];
      if (spec) scanSpec(spec, object, entry.objectId, own.concat(offsets), kind, out);
      return out;
    }
    // Module → absolute offsets of its own strings equal to the name.
    const candidates = new Map<string, number[]>();
    const add = (m: string, off: number) => {
      const list = candidates.get(m);
      if (list) list.push(off);
      else candidates.set(m, [off]);
    };
    if (index && hits) {
      for (const hit of hits) if (hit.table !== 0) add(index.names[hit.table]!, hit.offset + splitStart);
    } else {
      for (const m of cache.names()) {
        const strings = cache.strings(cache.entry(m));
        if (strings) for (const o of stringOffsets(strings, needle)) add(m, o + splitStart);
      }
    }
    this.#addBaseReferrers(offsets, candidates);
    for (const m of [...candidates.keys()].sort(byName)) {
      const entry = this.#entryOrUndefined(m);
      if (!entry) continue;
      const spec = cache.spec(entry, false);
      if (!spec) continue;
      scanSpec(spec, m, entry.objectId, candidates.get(m)!.concat(offsets), kind, out);
    }
    return out;
  }

  /**
   * The modules that may hold a type named `essential` or `essential___<flavour>`, in name
   * order: those whose own strings hold such a name, and those whose records are named by one
   * of vmlinux's such strings. The first few names are searched for in the raw string sections
   * (each module's read once and kept); after {@link INDEX_ESSENTIAL_AFTER} names, every string
   * is indexed once, which pays only when many names are asked for (the `all` policy).
   */
  modulesForEssentialName(essential: string): string[] {
    this.#sync();
    // No modules (a kernel built without them): nothing to search.
    if (this.#cache.listing().size === 0) return [];
    if (this.#index === undefined && this.#essentialSearches++ < INDEX_ESSENTIAL_AFTER) {
      return this.#scanForEssentialName(essential);
    }
    const out = new Map<string, number[]>();
    const index = this.#stringIndex();
    const needle = needleOf(essential);
    const baseOffsets: number[] = [];
    for (const h of index.index.lookup(needle.subarray(0, needle.byteLength - 1))) {
      if (h.table === 0) baseOffsets.push(h.offset);
      else out.set(index.names[h.table]!, []);
    }
    const flavours = this.#flavourIndex();
    for (const h of flavours.index.get(essential) ?? []) {
      if (h.table === 0) baseOffsets.push(h.offset);
      else out.set(flavours.names[h.table]!, []);
    }
    this.#addBaseReferrers(baseOffsets, out);
    return [...out.keys()].sort(byName);
  }

  /** {@link modulesForEssentialName} by a byte search of each string section, nothing indexed. */
  #scanForEssentialName(essential: string): string[] {
    const cache = this.#cache;
    // One search for the name's bytes finds `essential` and `essential___flavour` alike.
    const prefix = needleOf(essential).subarray(0, -1);
    const out = new Map<string, number[]>();
    for (const m of cache.names()) {
      const strings = cache.strings(cache.entry(m));
      if (strings && essentialOffsets(strings, prefix, true).length > 0) out.set(m, []);
    }
    this.#addBaseReferrers(essentialOffsets(cache.vmlinux().strings.bytes, prefix), out);
    return [...out.keys()].sort(byName);
  }

  #entryOrUndefined(name: string): ModuleEntry | undefined {
    try {
      return this.#cache.entry(name);
    } catch {
      return undefined;
    }
  }

  /**
   * Adds the modules whose records are named by one of vmlinux's strings at `baseOffsets`. The
   * first time, each module's records are checked for these offsets alone; after that, every
   * module's references to vmlinux's strings are indexed once.
   */
  #addBaseReferrers(baseOffsets: readonly number[], into: Map<string, number[]>): void {
    if (baseOffsets.length === 0) return;
    // The name is also a vmlinux string: modules may name their own types by its offset.
    if (this.#baseRefs === undefined && this.#targetedWalks++ === 0) {
      const wanted = new Set(baseOffsets);
      for (const m of this.#cache.names()) {
        if (into.has(m)) continue;
        const named = this.#baseNames(m, (off) => wanted.has(off));
        if (named === 'any' || (named !== undefined && named.size > 0)) into.set(m, []);
      }
      return;
    }
    const refs = this.#baseReferences();
    for (const off of baseOffsets) for (const m of refs.get(off) ?? []) if (!into.has(m)) into.set(m, []);
    for (const m of refs.get(-1) ?? []) if (!into.has(m)) into.set(m, []);
  }

  /** The string sections searched: vmlinux's (table 0) and each readable module's. */
  #tables(): { names: string[]; tables: Uint8Array[] } {
    const cache = this.#cache;
    const names: string[] = ['vmlinux'];
    const tables: Uint8Array[] = [cache.vmlinux().strings.bytes];
    for (const m of cache.names()) {
      const strings = cache.strings(cache.entry(m));
      if (!strings) continue;
      names.push(m);
      tables.push(strings);
    }
    return { names, tables };
  }

  /** The string index over every module's own strings, built on first call. */
  #stringIndex(): SearchIndex {
    if (!this.#index) {
      const vm = this.#cache.vmlinux();
      const { names, tables } = this.#tables();
      const vmlinuxNames = new Map<number, number[]>();
      const section = vm.section;
      for (let i = 0; i < section.count; i++) {
        const off = section.nameOff(i);
        if (off === 0) continue;
        const l = vmlinuxNames.get(off);
        if (l) l.push(i);
        else vmlinuxNames.set(off, [i]);
      }
      this.#index = { index: new StringIndex(tables), names, vmlinuxNames };
    }
    return this.#index;
  }

  /** Every string holding a flavour separator (`x___y`), by essential name; built on first call. */
  #flavourIndex(): { index: FlavourIndex; names: string[] } {
    if (!this.#flavours) {
      const { names, tables } = this.#tables();
      const index: FlavourIndex = new Map();
      for (let t = 0; t < tables.length; t++) {
        const bytes = tables[t]!;
        // `___` is rare in kernel names: find each with a native search, then its string.
        for (let p = indexOf(bytes, SEPARATOR, 0); p >= 0; ) {
          let start = p;
          while (start > 0 && bytes[start - 1] !== 0) start--;
          let end = p;
          while (end < bytes.byteLength && bytes[end] !== 0) end++;
          const name = UTF8.decode(bytes.subarray(start, end));
          const n = essentialNameLength(name);
          if (n < name.length) {
            const key = name.slice(0, n);
            const list = index.get(key);
            if (list) list.push({ table: t, offset: start });
            else index.set(key, [{ table: t, offset: start }]);
          }
          p = indexOf(bytes, SEPARATOR, end);
        }
      }
      this.#flavours = { index, names };
    }
    return this.#flavours;
  }

  /**
   * vmlinux string offset → modules whose type records are named by it; key -1 lists modules
   * whose records could not be walked (they may use any).
   */
  #baseReferences(): Map<number, string[]> {
    if (!this.#baseRefs) {
      const cache = this.#cache;
      const limit = cache.vmlinux().strings.end;
      const refs = new Map<number, string[]>();
      const add = (off: number, m: string) => {
        const l = refs.get(off);
        if (l) l.push(m);
        else refs.set(off, [m]);
      };
      for (const m of cache.names()) {
        const offsets = this.#baseNames(m, (off) => off < limit);
        if (offsets === 'any') add(-1, m);
        else if (offsets !== undefined) for (const off of offsets) add(off, m);
      }
      this.#baseRefs = refs;
    }
    return this.#baseRefs;
  }

  /**
   * The name offsets (other than 0) of the records of module `m` that `keep` accepts; `'any'`
   * when its records cannot be walked (it may use any), `undefined` when it cannot be read.
   */
  #baseNames(m: string, keep: (off: number) => boolean): Set<number> | 'any' | undefined {
    const cache = this.#cache;
    const entry = cache.entry(m);
    const found = new Set<number>();
    if (entry.spec) {
      const section = entry.spec.section;
      for (let i = 0; i < section.count; i++) {
        const off = section.nameOff(i);
        if (off !== 0 && keep(off)) found.add(off);
      }
      return found;
    }
    const blob = cache.blob(entry, false);
    if (!blob) return undefined;
    const h = blob.header;
    let types: Uint8Array;
    try {
      types = blob.blob().subarray(h.typeOff, h.typeOff + h.typeLen);
    } catch {
      // Unreadable now: decoding will report it, if the module is ever needed.
      return 'any';
    }
    try {
      const walked = walkRecords(types, h.littleEndian, (_, nameOff) => {
        if (nameOff !== 0 && keep(nameOff)) found.add(nameOff);
      });
      return walked ? found : 'any';
    } catch {
      return 'any';
    }
  }
}

/** The first position at or after `from` where `needle` occurs in `hay`, or -1. */
function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const n = needle.byteLength;
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i + n <= hay.byteLength; i = hay.indexOf(first, i + 1)) {
    let same = true;
    for (let k = 1; k < n; k++) {
      if (hay[i + k] !== needle[k]) {
        same = false;
        break;
      }
    }
    if (same) return i;
  }
  return -1;
}

/** Orders names by code unit (byte order for ASCII names), whatever the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Appends the own types of `spec` whose name offset is one of `offsets` (and of `kind`). */
function scanSpec(
  spec: Spec,
  object: string,
  objectId: number | undefined,
  offsets: readonly number[],
  kind: TypeKind | undefined,
  out: TypeMatch[],
): void {
  if (offsets.length === 0) return;
  const section = spec.section;
  const one = offsets.length === 1 ? offsets[0]! : -1;
  const set = one < 0 ? new Set(offsets) : undefined;
  for (let i = 0; i < section.count; i++) {
    const off = section.nameOff(i);
    if (set ? !set.has(off) : off !== one) continue;
    const k = KIND_BY_NUMBER[section.kind(i)] ?? 'unknown';
    if (kind !== undefined && k !== kind) continue;
    out.push(match(spec, object, objectId, spec.firstId + i, k, spec.strings.lookup(off) ?? ''));
  }
}

/** Appends the types at local `indices` of `spec` (all named by string offset `off`) that are of `kind`. */
function pushMatches(
  spec: Spec,
  object: string,
  objectId: number | undefined,
  indices: readonly number[],
  off: number,
  kind: TypeKind | undefined,
  out: TypeMatch[],
): void {
  for (const i of indices) {
    const k = KIND_BY_NUMBER[spec.section.kind(i)] ?? 'unknown';
    if (kind !== undefined && k !== kind) continue;
    out.push(match(spec, object, objectId, spec.firstId + i, k, spec.strings.lookup(off) ?? ''));
  }
}

function match(
  spec: Spec,
  object: string,
  objectId: number | undefined,
  typeId: number,
  kind: TypeKind,
  name: string,
): TypeMatch {
  return {
    object,
    objectId,
    typeId,
    kind,
    name,
    spec,
    get type(): Type {
      return spec.mustTypeById(typeId);
    },
  };
}
