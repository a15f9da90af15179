/**
 * BTF deduplication with the semantics of libbpf's `btf__dedup`, written over the word records
 * of a {@link TypeTable}. Strings are already unique in a table (its {@link StringSet}), so two
 * names are equal exactly when their offsets are. The passes, in order:
 *
 * 1. Primitive kinds (INT, FLOAT, ENUM, ENUM64, FWD) merge when identical; an enum with no
 *    values (a forward-declared enum) merges into the full enum of the same name and size.
 * 2. STRUCT/UNION: a candidate with the same name, size and member names/offsets is compared
 *    deeply. The walk pairs each type of the new graph with one of the candidate's graph (the
 *    "hypothetical" map); meeting a pair again closes a cycle and counts as equal, so
 *    self-referential types compare in one pass. A FWD matches a struct/union of its name and
 *    flavour. When the graphs are equivalent the pairs are recorded as merges (FWDs resolve to
 *    the definitions they were matched with).
 * 3. A FWD left over whose name is carried by exactly one struct/union (of its flavour) resolves
 *    to it.
 * 4. Reference kinds (PTR, TYPEDEF, qualifiers, TYPE_TAG, ARRAY, FUNC_PROTO, FUNC, DECL_TAG),
 *    bottom up: references are first replaced by their canonical types, then the record is
 *    merged with an identical one.
 * 5. Survivors are renumbered in order, references rewritten, and unused strings dropped.
 *
 * VAR and DATASEC are never merged. On a base, the base's types are canonical from the start:
 * split types equal to base types become references to them, and base types never change.
 *
 * Everything runs over typed arrays indexed by type ID (the map to canonical types, kinds,
 * candidate lists threaded through a link array, integer hash tables), with no object or
 * closure per type: a merge of thousands of modules handles about a million types. Candidate
 * hashes are chosen so that lists hold only types that can merge (see {@link Dedup.hashOf}),
 * which keeps the deep comparisons few.
 * @module
 */
import { Kind } from './kinds.js';
import type { TypeTable } from './type-table.js';
import {
  ARRAY_INDEX,
  ARRAY_NELEMS,
  ARRAY_TYPE,
  BODY_AT,
  forEachStr,
  ITEM_NAME,
  ITEM_REF,
  ITEM_WORDS,
  infoKflag,
  infoKind,
  infoVlen,
  kflagAt,
  kindAt,
  REF_FIRST,
  REF_SECOND,
  recordWords,
  recordWordsAt,
  vlenAt,
} from './wire.js';

/** Counts before and after a deduplication. */
export interface DedupStats {
  /** Own types before deduplication. */
  typesBefore: number;
  /** Own types after it. */
  typesAfter: number;
  /**
   * The new ID of every type ID the table had before deduplication: `idMap[old]` (base IDs and
   * `void` map to themselves; a merged type maps to the ID of the type it merged into). Its
   * length is the old next ID. Whoever holds IDs into the table (`.BTF.ext` records, a loader's
   * relocations) carries them through with it.
   */
  idMap: Int32Array;
}

/**
 * The kinds pass 4 settles (reference kinds: PTR, TYPEDEF, the qualifiers, TYPE_TAG, FUNC,
 * DECL_TAG, ARRAY, FUNC_PROTO), by kind number: 1 for these.
 */
const REF_PASS = new Uint8Array(128);
for (const k of [
  Kind.Ptr,
  Kind.Typedef,
  Kind.Volatile,
  Kind.Const,
  Kind.Restrict,
  Kind.TypeTag,
  Kind.Func,
  Kind.DeclTag,
  Kind.Array,
  Kind.FuncProto,
]) {
  REF_PASS[k] = 1;
}

/**
 * By kind number, 1 for the kinds whose candidates must have the same item names (FUNC_PROTO by
 * equal records, STRUCT and UNION by {@link Dedup.shallowEqualStruct}), which is what lets
 * {@link Dedup.baseSeeds} pass over anonymous base types by their first item's name. Not ENUM:
 * a forward-declared enum (no values) matches an enum of its name and size whatever its values.
 */
const FIRST_ITEM_NARROWS = new Uint8Array(128);
for (const k of [Kind.FuncProto, Kind.Struct, Kind.Union]) FIRST_ITEM_NARROWS[k] = 1;

const UNPROCESSED = -1;
const IN_PROGRESS = -2;
/** How deep the "identical types" check may go before it gives up (and says "not identical"). */
const IDENTICAL_DEPTH = 24;

/**
 * A map from non-negative integers to non-negative integers: open addressing over two typed
 * arrays (-1 marks an empty slot; {@link get} answers -1 for a missing key).
 */
class IntMap {
  private keys: Int32Array;
  private vals: Int32Array;
  /** Number of keys. */
  size = 0;
  constructor(capacity: number) {
    let cap = 16;
    while (cap < capacity * 2) cap <<= 1;
    this.keys = new Int32Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
  }
  private slot(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    i = (i ^ (i >>> 16)) & mask;
    for (;;) {
      const k = keys[i] as number;
      if (k === key || k === -1) return i;
      i = (i + 1) & mask;
    }
  }
  get(key: number): number {
    const i = this.slot(key);
    return this.keys[i] === key ? (this.vals[i] as number) : -1;
  }
  set(key: number, val: number): void {
    let i = this.slot(key);
    if (this.keys[i] !== key) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.rehash();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.size++;
    }
    this.vals[i] = val;
  }
  private rehash(): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.vals = new Int32Array(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j] as number;
      if (k < 0) continue;
      const i = this.slot(k);
      this.keys[i] = k;
      this.vals[i] = vals[j] as number;
    }
  }
}

/** Words per frame of the equivalence walk. */
const FRAME = 5;

/** A copy of `a` twice as long. */
function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

/**
 * Candidate lists by hash: an open-addressing table of list heads (two words a slot, the hash
 * and the newest ID, side by side so a probe touches one cache line), and a link per type ID to
 * the next older one. Lists run newest first.
 */
class CandidateTable {
  private slots: Int32Array;
  private filled = 0;
  readonly next: Int32Array;
  /**
   * @param ids one past the highest type ID
   * @param expected how many lists to size for
   * @param next the links, when shared with another table that holds none of this one's IDs
   */
  constructor(ids: number, expected: number, next?: Int32Array) {
    this.next = next ?? new Int32Array(ids);
    let cap = 1 << 10;
    while (cap * 3 < expected * 4) cap <<= 1;
    this.slots = new Int32Array(2 * cap);
  }
  private slot(h: number): number {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let i = (h ^ (h >>> 16)) & mask;
    for (;;) {
      const head = slots[2 * i + 1] as number;
      if (head === 0 || slots[2 * i] === h) return i;
      i = (i + 1) & mask;
    }
  }
  add(h: number, id: number): void {
    const i = this.slot(h);
    const head = this.slots[2 * i + 1] as number;
    this.next[id] = head;
    if (head === 0) {
      this.slots[2 * i] = h;
      this.filled++;
    }
    this.slots[2 * i + 1] = id;
    // At most three quarters full: a small table stays in cache better than a sparse one.
    if (this.filled * 8 > this.slots.length * 3) this.grow();
  }
  first(h: number): number {
    return this.slots[2 * this.slot(h) + 1] as number;
  }
  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      const i = this.slot(old[j] as number);
      this.slots[2 * i] = old[j] as number;
      this.slots[2 * i + 1] = old[j + 1] as number;
    }
  }
}

class Dedup {
  readonly w: Uint32Array;
  readonly offs: Uint32Array;
  readonly first: number;
  readonly end: number;
  readonly map: Int32Array;
  readonly hypot: Int32Array;
  /** Kind of each type, by ID. */
  readonly kinds: Uint8Array;
  hypotList: Int32Array = new Int32Array(1024);
  hypotCount = 0;
  /** Frames of {@link isEquiv}'s walk, {@link FRAME} words each. */
  frames: Int32Array = new Int32Array(FRAME * 256);
  hypotAdjustCanon = false;
  readonly cands: CandidateTable;
  /**
   * Canonical enums by name, size and kind ({@link enumHeadHash}): those with values, and the
   * forward-declared ones (no values). `cands` holds the former by their whole content, so that
   * the many anonymous enums of one size are not all compared with each other; these two serve
   * the forward-declaration rules. No ID is in both, so they share their links.
   */
  readonly enumHeads: CandidateTable;
  readonly enumFwds: CandidateTable;

  constructor(readonly t: TypeTable) {
    this.w = t.words;
    this.offs = t.offs;
    this.first = t.firstId;
    this.end = t.nextId;
    this.map = new Int32Array(this.end).fill(UNPROCESSED);
    this.hypot = new Int32Array(this.end).fill(UNPROCESSED);
    // Every pass looks kinds up, often of types far apart: one byte each, in one small array.
    this.kinds = new Uint8Array(this.end);
    for (let id = 1; id < this.end; id++) this.kinds[id] = kindAt(this.w, this.offs[id] as number);
    // Base types are canonical as they are.
    for (let id = 0; id < this.first; id++) this.map[id] = id;
    const seeds = this.baseSeeds();
    // Sized for a list per seeded base type (a base is deduplicated already: its types differ)
    // and one per two own types (about as many as survive in a merge of modules): growing
    // would hold the old and new tables at once, and rehash the base's.
    this.cands = new CandidateTable(this.end, seeds.length + ((this.end - this.first) >>> 1));
    this.enumHeads = new CandidateTable(this.end, 0);
    this.enumFwds = new CandidateTable(this.end, 0, this.enumHeads.next);
    for (let i = 0; i < seeds.length; i++) {
      const id = seeds[i] as number;
      const h = this.hashOf(id);
      if (h !== undefined) this.addCandidate(h, id);
    }
    for (let id = this.first; id < this.end; id++) {
      const k = this.kinds[id];
      if (k === Kind.Var || k === Kind.Datasec) this.map[id] = id;
    }
  }

  /**
   * The base types that seed the candidate lists, in ID order: those with the name and kind of
   * some own type. Every lookup in the lists asks for the same name and kind (equal records,
   * {@link shallowEqualStruct}, {@link sameEnumHead}), so no other base type could ever be
   * chosen. A merge of a few modules on vmlinux (100,000 types, most of them named FUNCs and
   * structs that no module redefines) hashed every base type before; now it hashes the
   * anonymous ones of the kinds the modules have, and the few named as a module type is.
   */
  private baseSeeds(): Int32Array {
    const w = this.w;
    const offs = this.offs;
    const kinds = this.kinds;
    // Names: a bit per offset of the base's strings (own strings are never a base type's name).
    const strEnd = this.t.strings.start;
    const named = new Uint32Array((strEnd >>> 5) + 1);
    // Kinds: a bit per kind number below 32 (hashOf merges none above), anonymous and named.
    let anonKinds = 0;
    let namedKinds = 0;
    // Anonymous prototypes, structs and unions (vmlinux: 26,000) match only with the same item
    // names, so the first item's name narrows them too: a bit per base string offset as above,
    // and by kind, those with no items and those whose first item has no name.
    const firstItems = new Uint32Array((strEnd >>> 5) + 1);
    let noItemKinds = 0;
    let unnamedItemKinds = 0;
    for (let id = this.first; id < this.end; id++) {
      const o = offs[id] as number;
      const name = w[o] as number;
      const kind = kinds[id] as number;
      const bit = 1 << kind;
      if (name === 0) {
        anonKinds |= bit;
        if (FIRST_ITEM_NARROWS[kind] === 0) continue;
        if (vlenAt(w, o) === 0) {
          noItemKinds |= bit;
          continue;
        }
        const item = w[o + 3] as number;
        if (item === 0) unnamedItemKinds |= bit;
        else if (item < strEnd) firstItems[item >>> 5] = (firstItems[item >>> 5] as number) | (1 << (item & 31));
      } else if (name < strEnd) {
        namedKinds |= bit;
        named[name >>> 5] = (named[name >>> 5] as number) | (1 << (name & 31));
      }
    }
    const seeds = new Int32Array(this.first);
    let n = 0;
    for (let id = 1; id < this.first; id++) {
      const k = kinds[id] as number;
      if (k >= 32) continue;
      const o = offs[id] as number;
      const name = w[o] as number;
      if (name !== 0) {
        if ((namedKinds >>> k) & 1 && (named[name >>> 5]! >>> (name & 31)) & 1) seeds[n++] = id;
        continue;
      }
      if (((anonKinds >>> k) & 1) === 0) continue;
      if (FIRST_ITEM_NARROWS[k] !== 0) {
        let seen: number;
        if (vlenAt(w, o) === 0) seen = (noItemKinds >>> k) & 1;
        else {
          const item = w[o + 3] as number;
          seen = item === 0 ? (unnamedItemKinds >>> k) & 1 : (firstItems[item >>> 5]! >>> (item & 31)) & 1;
        }
        if (seen === 0) continue;
      }
      seeds[n++] = id;
    }
    return seeds.subarray(0, n);
  }

  kindOf(id: number): number {
    return this.kinds[id] as number;
  }
  vlenOf(id: number): number {
    return vlenAt(this.w, this.offs[id] as number);
  }

  resolve(id: number): number {
    const map = this.map;
    let m = map[id] as number;
    while (m >= 0 && m !== id) {
      id = m;
      m = map[id] as number;
    }
    return id;
  }

  resolveFwd(id: number): number {
    if (id === 0 || this.kindOf(id) !== Kind.Fwd) return id;
    const r = this.resolve(id);
    return this.kindOf(r) === Kind.Fwd ? id : r;
  }

  /** The name offset of type `id`; 0 for `void` (and for IDs beyond the table). */
  nameOfType(id: number): number {
    return id === 0 || id >= this.end ? 0 : (this.w[this.offs[id] as number] as number);
  }

  /** The candidate hash of a type for its kind's pass, or undefined for kinds never merged. */
  hashOf(id: number): number | undefined {
    const w = this.w;
    const o = this.offs[id] as number;
    const info = w[o + 1] as number;
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    let h = mix(mix(0, w[o] as number), kind);
    switch (kind) {
      case Kind.Int:
      case Kind.DeclTag:
        return mix(mix(mix(h, info), w[o + 2] as number), w[o + 3] as number);
      case Kind.Float:
      case Kind.Fwd:
      case Kind.Ptr:
      case Kind.Typedef:
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.Func:
      case Kind.TypeTag:
        return mix(mix(h, info), w[o + 2] as number);
      case Kind.Enum:
      case Kind.Enum64: {
        // The whole record: enums merge only when equal (forward declarations aside, which
        // are matched through enumHeads and enumFwds).
        const len = recordWords(kind, vlen);
        for (let i = 1; i < len; i++) h = mix(h, w[o + i] as number);
        return h;
      }
      case Kind.Struct:
      case Kind.Union:
        h = mix(mix(h, info), w[o + 2] as number);
        for (let k = 0; k < vlen; k++) {
          h = mix(mix(h, w[o + 3 + 3 * k] as number), w[o + 5 + 3 * k] as number);
          // The name of the member's type too: types that dedup merges always have the same
          // name, so two structs whose members' types differ in name are never equivalent.
          // Without it, a few thousand anonymous unions alike but for the typedef of one
          // member (one per tracepoint) would each be compared with all the others.
          h = mix(h, this.nameOfType(w[o + 4 + 3 * k] as number));
        }
        return h;
      case Kind.Array:
        return mix(mix(mix(h, w[o + ARRAY_TYPE] as number), w[o + ARRAY_INDEX] as number), w[o + ARRAY_NELEMS] as number);
      case Kind.FuncProto:
        h = mix(mix(h, info), w[o + 2] as number);
        for (let k = 0; k < vlen; k++) h = mix(mix(h, w[o + 3 + 2 * k] as number), w[o + 4 + 2 * k] as number);
        return h;
      default:
        return undefined;
    }
  }

  /** Hash of an enum's name, size and kind: what a forward declaration shares with its enum. */
  enumHeadHash(id: number): number {
    const o = this.offs[id] as number;
    return mix(mix(mix(0, this.w[o] as number), this.kindOf(id)), this.w[o + 2] as number);
  }

  /** Whether enums `a` and `b` have the same name, size and kind. */
  sameEnumHead(a: number, b: number): boolean {
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    return w[oa] === w[ob] && w[oa + 2] === w[ob + 2] && this.kindOf(a) === this.kindOf(b);
  }

  /** The oldest candidate with the same hash whose record equals `id`'s, or `id` itself. */
  private equalCandidate(id: number, h: number): number {
    for (let c = this.cands.first(h); c !== 0; c = this.cands.next[c] as number) {
      if (this.equalRecords(id, c)) return c;
    }
    return id;
  }

  /** Maps `id` to an equal earlier record, or makes it the candidate others will map to. */
  private canonicalByRecord(id: number): number {
    const h = this.hashOf(id)!;
    const to = this.equalCandidate(id, h);
    this.map[id] = to;
    if (to === id) this.addCandidate(h, id);
    return to;
  }

  /** Makes canonical type `id` (of candidate hash `h`) a candidate for later types. */
  addCandidate(h: number, id: number): void {
    const kind = this.kindOf(id);
    if (kind === Kind.Enum || kind === Kind.Enum64) {
      const head = this.enumHeadHash(id);
      if (this.vlenOf(id) === 0) {
        this.enumFwds.add(head, id);
        return;
      }
      this.enumHeads.add(head, id);
    }
    this.cands.add(h, id);
  }

  /** Whether the records of `a` and `b` are word for word equal (same references included). */
  equalRecords(a: number, b: number): boolean {
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    if (w[oa + 1] !== w[ob + 1]) return false;
    const len = recordWordsAt(w, oa);
    for (let i = 0; i < len; i++) if (w[oa + i] !== w[ob + i]) return false;
    return true;
  }

  isEnumFwd(id: number): boolean {
    const k = this.kindOf(id);
    return (k === Kind.Enum || k === Kind.Enum64) && this.vlenOf(id) === 0;
  }

  /** Enums equal, or one is a forward of the other (same name, size, kind). */
  compatEnum(a: number, b: number): boolean {
    if (!this.isEnumFwd(a) && !this.isEnumFwd(b)) return this.equalRecords(a, b);
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    return w[oa] === w[ob] && w[oa + 2] === w[ob + 2] && this.kindOf(a) === this.kindOf(b);
  }

  /** Same name, size, kind/flags and member names and offsets (member types not compared). */
  shallowEqualStruct(a: number, b: number): boolean {
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    if (w[oa] !== w[ob] || w[oa + 1] !== w[ob + 1] || w[oa + 2] !== w[ob + 2]) return false;
    const vlen = vlenAt(w, oa);
    for (let k = 0; k < vlen; k++) {
      if (w[oa + 3 + 3 * k] !== w[ob + 3 + 3 * k] || w[oa + 5 + 3 * k] !== w[ob + 5 + 3 * k]) return false;
    }
    return true;
  }

  /** Same head and parameter names (return and parameter types not compared). */
  compatFnProto(a: number, b: number): boolean {
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    if (w[oa] !== w[ob] || w[oa + 1] !== w[ob + 1]) return false;
    const vlen = vlenAt(w, oa);
    for (let k = 0; k < vlen; k++) if (w[oa + 3 + 2 * k] !== w[ob + 3 + 2 * k]) return false;
    return true;
  }

  // Pass 1 -----------------------------------------------------------------------------------

  primitives(): void {
    for (let id = this.first; id < this.end; id++) {
      const kind = this.kindOf(id);
      if (kind === Kind.Enum || kind === Kind.Enum64) {
        this.dedupEnum(id);
        continue;
      }
      if (kind !== Kind.Int && kind !== Kind.Float && kind !== Kind.Fwd) continue;
      this.canonicalByRecord(id);
    }
  }

  /**
   * An enum merges into the newest canonical enum equal to it; a forward-declared enum (no
   * values) into the newest canonical enum of its name, size and kind. A full enum also takes
   * over the canonical forward declarations of its name that are newer than the enum it merged
   * into (all of them when it is new), except the base's.
   */
  dedupEnum(id: number): void {
    const head = this.enumHeadHash(id);
    let to = id;
    if (this.vlenOf(id) === 0) {
      // The newest of either list (IDs grow with time).
      for (let c = this.enumHeads.first(head); c !== 0; c = this.enumHeads.next[c] as number) {
        if (this.sameEnumHead(id, c)) {
          to = c;
          break;
        }
      }
      for (let c = this.enumFwds.first(head); c > (to === id ? 0 : to); c = this.enumFwds.next[c] as number) {
        if (this.sameEnumHead(id, c)) {
          to = c;
          break;
        }
      }
      this.map[id] = to;
      if (to === id) this.addCandidate(0, id);
      return;
    }
    const h = this.hashOf(id)!;
    to = this.equalCandidate(id, h);
    // Lists run newest (highest ID) first.
    const older = to === id ? 0 : to;
    for (let f = this.enumFwds.first(head); f > older; f = this.enumFwds.next[f] as number) {
      if (f >= this.first && this.sameEnumHead(id, f)) this.map[f] = id;
    }
    this.map[id] = to;
    if (to === id) this.addCandidate(h, id);
  }

  // Pass 2 -----------------------------------------------------------------------------------

  clearHypot(): void {
    for (let i = 0; i < this.hypotCount; i++) this.hypot[this.hypotList[i] as number] = UNPROCESSED;
    this.hypotCount = 0;
    this.hypotAdjustCanon = false;
  }

  /**
   * Whether the graph at `cand` is equivalent to the graph at `canon`, recording visited pairs
   * in the hypothetical map. Type graphs can be thousands deep, so the walk keeps its own stack
   * of frames, one per aggregate being compared: the two records' word indexes, the word (within
   * a record) of the next child reference, the step to the one after, and how many are left.
   * Children are visited in the order libbpf visits them (an array's index type before its
   * element type, a prototype's return type before its parameters), and are taken one at a time:
   * most comparisons fail at the first member, so pushing every member up front would be waste.
   */
  isEquiv(candRoot: number, canonRoot: number): boolean {
    const w = this.w;
    const offs = this.offs;
    const hypot = this.hypot;
    let frames = this.frames;
    let fp = 0;
    let cand = candRoot;
    let canon = canonRoot;
    for (;;) {
      // Visit the pair (cand, canon): fail, settle it, or open a frame for its children.
      let open = false;
      if (this.resolve(cand) !== this.resolve(canon)) {
        if (cand === 0 || canon === 0) return false;
        canon = this.resolveFwd(canon);
        const h = hypot[canon] as number;
        if (h >= 0) {
          if (h !== cand && !this.identical(h, cand, IDENTICAL_DEPTH)) return false;
        } else {
          hypot[canon] = cand;
          if (this.hypotCount === this.hypotList.length) this.hypotList = grow(this.hypotList);
          this.hypotList[this.hypotCount++] = canon;
          const oc = offs[cand] as number;
          const on = offs[canon] as number;
          if (w[oc] !== w[on]) return false;
          const ci = w[oc + 1] as number;
          const ni = w[on + 1] as number;
          const ck = infoKind(ci);
          const nk = infoKind(ni);
          if (ck !== nk) {
            if (ck !== Kind.Fwd && nk !== Kind.Fwd) return false;
            // A FWD matches a struct or union of its flavour (kind flag set: union).
            const fwdUnion = infoKflag(ck === Kind.Fwd ? ci : ni);
            if ((fwdUnion ? Kind.Union : Kind.Struct) !== (ck === Kind.Fwd ? nk : ck)) return false;
            // A base FWD cannot be resolved to a split definition.
            if (ck !== Kind.Fwd && canon < this.first) this.hypotAdjustCanon = true;
          } else {
            // Where the children's references sit: first word, step between them, count.
            let pos = 0;
            let step = 0;
            let n = 0;
            switch (ck) {
              case Kind.Int:
              case Kind.Fwd:
              case Kind.Float:
                if (!this.equalRecords(cand, canon)) return false;
                break;
              case Kind.Enum:
              case Kind.Enum64:
                if (!this.compatEnum(cand, canon)) return false;
                break;
              case Kind.Const:
              case Kind.Volatile:
              case Kind.Restrict:
              case Kind.Ptr:
              case Kind.Typedef:
              case Kind.Func:
              case Kind.TypeTag:
                if (ci !== ni) return false;
                pos = 2;
                n = 1;
                break;
              case Kind.Array:
                if (ci !== ni || w[oc + 2] !== w[on + 2] || w[oc + ARRAY_NELEMS] !== w[on + ARRAY_NELEMS]) return false;
                pos = ARRAY_INDEX; // index type, then element type
                step = ARRAY_TYPE - ARRAY_INDEX;
                n = 2;
                break;
              case Kind.Struct:
              case Kind.Union:
                if (!this.shallowEqualStruct(cand, canon)) return false;
                pos = 4; // member k's type is word 4 + 3k
                step = 3;
                n = infoVlen(ci);
                break;
              case Kind.FuncProto:
                if (!this.compatFnProto(cand, canon)) return false;
                pos = 2; // return type (word 2), then parameter k's type at word 4 + 2k
                step = 2;
                n = infoVlen(ci) + 1;
                break;
              default:
                // VAR, DATASEC, DECL_TAG are not part of type graphs that structs reach.
                return false;
            }
            if (n > 0) {
              if (fp + FRAME > frames.length) {
                frames = grow(frames);
                this.frames = frames;
              }
              frames[fp] = oc;
              frames[fp + 1] = on;
              frames[fp + 2] = pos;
              frames[fp + 3] = step;
              frames[fp + 4] = n;
              fp += FRAME;
              open = true;
            }
          }
        }
      }
      if (!open) {
        // The pair is settled: drop the frames whose children are all done.
        while (fp > 0 && frames[fp - 1] === 0) fp -= FRAME;
        if (fp === 0) return true;
      }
      // Next child of the innermost open frame (which has at least one left).
      const f = fp - FRAME;
      const pos = frames[f + 2] as number;
      cand = w[(frames[f] as number) + pos] as number;
      canon = w[(frames[f + 1] as number) + pos] as number;
      frames[f + 2] = pos + (frames[f + 3] as number);
      frames[f + 4] = (frames[f + 4] as number) - 1;
    }
  }

  /**
   * Whether `a` and `b` are the same type written twice in one graph (compilers emit identical
   * array and struct types per use): identical records up to references that are themselves
   * identical or resolve to the same canonical type.
   */
  identical(a: number, b: number, depth: number): boolean {
    if (a === b || this.resolve(a) === this.resolve(b)) return true;
    if (a === 0 || b === 0 || depth === 0) return false;
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    if (w[oa] !== w[ob] || w[oa + 1] !== w[ob + 1]) return false;
    const info = w[oa + 1] as number;
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    switch (kind) {
      case Kind.Array:
        return (
          w[oa + ARRAY_NELEMS] === w[ob + ARRAY_NELEMS] &&
          this.identical(w[oa + ARRAY_TYPE] as number, w[ob + ARRAY_TYPE] as number, depth - 1) &&
          this.identical(w[oa + ARRAY_INDEX] as number, w[ob + ARRAY_INDEX] as number, depth - 1)
        );
      case Kind.Struct:
      case Kind.Union:
        if (!this.shallowEqualStruct(a, b)) return false;
        for (let k = 0; k < vlen; k++) {
          if (!this.identical(w[oa + 4 + 3 * k] as number, w[ob + 4 + 3 * k] as number, depth - 1)) return false;
        }
        return true;
      case Kind.Ptr:
      case Kind.Typedef:
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.TypeTag:
      case Kind.Func:
        return this.identical(w[oa + 2] as number, w[ob + 2] as number, depth - 1);
      case Kind.FuncProto:
        if (!this.compatFnProto(a, b)) return false;
        if (!this.identical(w[oa + 2] as number, w[ob + 2] as number, depth - 1)) return false;
        for (let k = 0; k < vlen; k++) {
          if (!this.identical(w[oa + 4 + 2 * k] as number, w[ob + 4 + 2 * k] as number, depth - 1)) return false;
        }
        return true;
      default:
        return this.equalRecords(a, b);
    }
  }

  isMapped(id: number): boolean {
    return (this.map[id] as number) >= 0;
  }

  mergeHypot(): void {
    for (let i = 0; i < this.hypotCount; i++) {
      const canonSide = this.hypotList[i] as number;
      const candSide = this.hypot[canonSide] as number;
      const t = this.resolve(candSide);
      const c = this.resolve(canonSide);
      const tk = this.kindOf(t);
      const ck = this.kindOf(c);
      // A canonical FWD resolves to the definition it was matched with; a base FWD too, so
      // split FWDs that were merged into it follow (base records themselves never change).
      if (tk !== Kind.Fwd && ck === Kind.Fwd) this.map[c] = t;
      // Matching needed a base FWD resolved: for every other purpose the graphs differ.
      if (this.hypotAdjustCanon) continue;
      if (tk === Kind.Fwd && ck !== Kind.Fwd && t >= this.first) this.map[t] = c;
      if ((tk === Kind.Struct || tk === Kind.Union) && ck !== Kind.Fwd && this.isMapped(c) && !this.isMapped(t)) {
        // Part of a graph just proven equivalent: map it now, saving its own search later.
        this.map[t] = c;
      }
    }
  }

  structs(): void {
    for (let id = this.first; id < this.end; id++) {
      if (this.isMapped(id)) continue;
      const kind = this.kindOf(id);
      if (kind !== Kind.Struct && kind !== Kind.Union) continue;
      const h = this.hashOf(id)!;
      let to = id;
      for (let c = this.cands.first(h); c !== 0; c = this.cands.next[c] as number) {
        if (this.kindOf(c) !== kind || !this.shallowEqualStruct(id, c)) continue;
        this.clearHypot();
        if (!this.isEquiv(id, c)) continue;
        this.mergeHypot();
        if (this.hypotAdjustCanon) continue;
        to = c;
        break;
      }
      this.map[id] = to;
      if (to === id) this.addCandidate(h, id);
    }
    this.clearHypot();
  }

  // Pass 3 -----------------------------------------------------------------------------------

  fwds(): void {
    // The names of the FWDs left, mapped to -2 until a canonical struct/union of the name is
    // seen, then to it (0 when several share the name); other names are absent (-1).
    const byName = new IntMap(1024);
    for (let id = this.first; id < this.end; id++) {
      if (this.kindOf(id) === Kind.Fwd && this.map[id] === id) byName.set(this.w[this.offs[id] as number] as number, -2);
    }
    if (byName.size === 0) return;
    for (let id = 1; id < this.end; id++) {
      const k = this.kindOf(id);
      if ((k !== Kind.Struct && k !== Kind.Union) || this.map[id] !== id) continue;
      const name = this.w[this.offs[id] as number] as number;
      if (name === 0) continue;
      const seen = byName.get(name);
      if (seen === -2) byName.set(name, id);
      else if (seen > 0) byName.set(name, 0);
    }
    for (let id = this.first; id < this.end; id++) {
      if (this.kindOf(id) !== Kind.Fwd || this.map[id] !== id) continue;
      const o = this.offs[id] as number;
      const target = byName.get(this.w[o] as number);
      if (target <= 0) continue;
      const union = kflagAt(this.w, o);
      if (this.kindOf(target) !== (union ? Kind.Union : Kind.Struct)) continue;
      this.map[id] = target;
    }
  }

  // Pass 4 -----------------------------------------------------------------------------------

  refType(id: number): number {
    const m = this.map[id] as number;
    if (m === IN_PROGRESS) return id; // a loop of reference kinds only: leave it be
    if (m >= 0) return this.resolve(id);
    const w = this.w;
    const o = this.offs[id] as number;
    const info = w[o + 1] as number;
    const kind = infoKind(info);
    if (REF_PASS[kind] === 0) {
      this.map[id] = id;
      return id;
    }
    this.map[id] = IN_PROGRESS;
    // The references where the wire layout keeps them: the fixed part's, then the items'
    // (a prototype's parameters), each replaced by its canonical type first.
    const a = REF_FIRST[kind] as number;
    w[o + a] = this.refType(w[o + a] as number);
    const b = REF_SECOND[kind] as number;
    if (b !== 0) w[o + b] = this.refType(w[o + b] as number);
    const r = ITEM_REF[kind] as number;
    if (r >= 0) {
      const step = ITEM_WORDS[kind] as number;
      const vlen = infoVlen(info);
      for (let k = 0, p = o + (BODY_AT[kind] as number) + r; k < vlen; k++, p += step) w[p] = this.refType(w[p] as number);
    }
    return this.canonicalByRecord(id);
  }

  refs(): void {
    for (let id = this.first; id < this.end; id++) this.refType(id);
  }

  // Pass 5 -----------------------------------------------------------------------------------

  /**
   * Moves the survivors down over the dropped records (in place: a record only ever moves to a
   * lower word index, and a type to a lower ID), rewriting references to the new IDs of their
   * canonical types; then drops the strings no survivor uses (see {@link compactStrings}).
   */
  compact(): Int32Array {
    const t = this.t;
    const w = this.w;
    const offs = this.offs;
    const map = this.map;
    const first = this.first;
    const end = this.end;
    // The hypothetical map is done with (all of it reset to UNPROCESSED): its array holds the
    // new IDs, saving a second array as long.
    const newId = this.hypot;
    for (let id = 0; id < first; id++) newId[id] = id;
    let next = first;
    for (let id = first; id < end; id++) if (map[id] === id) newId[id] = next++;
    // New IDs of the rest are those of their canonical types: a reference is then one lookup.
    for (let id = first; id < end; id++) if (map[id] !== id) newId[id] = newId[this.resolve(id)] as number;

    const base = first < end ? (offs[first] as number) : t.used;
    let used = base;
    // Which own strings the survivors use: a bit per byte of the own section, set at the
    // offsets the records use, and how many distinct ones.
    const strStart = t.strings.start;
    const strUsed = new Uint32Array((t.strings.size >>> 5) + 1);
    let distinct = 0;

    for (let id = first; id < end; id++) {
      if (map[id] !== id) continue;
      const o = offs[id] as number;
      const info = w[o + 1] as number;
      const kind = infoKind(info);
      const vlen = infoVlen(info);
      const len = recordWords(kind, vlen);
      if (used !== o) {
        // Most records are a few words: a loop beats a call into copyWithin.
        if (len <= 16) for (let i = 0; i < len; i++) w[used + i] = w[o + i] as number;
        else w.copyWithin(used, o, o + len);
      }
      offs[newId[id] as number] = used;
      // The reference and string fields of the record now at `used`, where the wire layout
      // keeps them (forEachRef and forEachStr, written out: this runs for every survivor).
      distinct += mark(strUsed, w[used] as number, strStart);
      const a = REF_FIRST[kind] as number;
      if (a !== 0) {
        w[used + a] = newId[w[used + a] as number] as number;
        const b = REF_SECOND[kind] as number;
        if (b !== 0) w[used + b] = newId[w[used + b] as number] as number;
      }
      const step = ITEM_WORDS[kind] as number;
      if (step !== 0 && vlen !== 0) {
        const r = ITEM_REF[kind] as number;
        const n = ITEM_NAME[kind] as number;
        for (let k = 0, p = used + (BODY_AT[kind] as number); k < vlen; k++, p += step) {
          if (n >= 0) distinct += mark(strUsed, w[p + n] as number, strStart);
          if (r >= 0) w[p + r] = newId[w[p + r] as number] as number;
        }
      }
      used += len;
    }
    t.used = used;
    t.nextId = next;
    if (distinct !== t.strings.count) compactStrings(t, base, strUsed, distinct);
    // The array keeps its length: shrinking it would copy the survivors while it is still
    // alive, raising the peak memory of a deduplication to save memory after it.
    return newId;
  }
}

/** Sets the bit of own string offset `off` in `bits`; 1 when it was clear, else 0. */
function mark(bits: Uint32Array, off: number, start: number): number {
  if (off === 0 || off < start) return 0;
  const local = off - start;
  const bit = 1 << (local & 31);
  const word = bits[local >>> 5] as number;
  if ((word & bit) !== 0) return 0;
  bits[local >>> 5] = word | bit;
  return 1;
}

/** Calls `fn` with the word index of every string field of the records in `w[from, to)`. */
function forEachStrIn(w: Uint32Array, from: number, to: number, fn: (pos: number) => void): void {
  for (let o = from; o < to; o += recordWordsAt(w, o)) forEachStr(w, o, fn);
}

/**
 * Drops the own strings that no own record (from word `from` on) uses, keeping the others in
 * their order, as libbpf keeps the order it found them in. `used` has a bit set at each own
 * offset the records use (`distinct` of them). Only called when some string went unused (the
 * usual case, where all are still used, leaves the section and the records as they are).
 */
function compactStrings(t: TypeTable, from: number, used: Uint32Array, distinct: number): void {
  const w = t.words;
  const old = t.strings;
  const start = old.start;
  // Rebuild: the used strings in their old order, each at its new offset.
  const bytes = old.bytes();
  const strings = old.forkBase();
  const remap = new IntMap(distinct);
  for (let i = 0; i < used.length; i++) {
    let word = used[i] as number;
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      const local = i * 32 + (31 - Math.clz32(low));
      let e = bytes.indexOf(0, local);
      if (e < 0) e = bytes.byteLength;
      remap.set(local, strings.addBytes(bytes, local, e));
    }
  }
  forEachStrIn(w, from, t.used, (pos) => {
    const off = w[pos] as number;
    if (off !== 0 && off >= start) w[pos] = remap.get(off - start);
  });
  t.strings = strings;
}

/**
 * Deduplicates the own types of `table` in place (see the module comment for the rules).
 * IDs of own types change (the result's `idMap` says how); base IDs never do.
 */
export function dedupTable(table: TypeTable): DedupStats {
  const typesBefore = table.count;
  const d = new Dedup(table);
  d.primitives();
  d.structs();
  d.fwds();
  d.refs();
  const idMap = d.compact();
  return { typesBefore, typesAfter: table.count, idMap };
}
