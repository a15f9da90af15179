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
 * @module
 */
import { Kind } from './kinds.js';
import { forEachRef, forEachStr, recordWords, type TypeTable } from './type-table.js';

/** Counts before and after a deduplication. */
export interface DedupStats {
  typesBefore: number;
  typesAfter: number;
}

const UNPROCESSED = -1;
const IN_PROGRESS = -2;
/** How deep the "identical types" check may go before it gives up (and says "not identical"). */
const IDENTICAL_DEPTH = 24;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

/** Candidate lists by hash: an open-addressing table of list heads, and a link per type ID. */
class CandidateTable {
  private keys: Int32Array;
  private heads: Int32Array;
  private filled = 0;
  readonly next: Int32Array;
  constructor(n: number) {
    this.next = new Int32Array(n);
    let cap = 1 << 10;
    while (cap < n) cap <<= 1;
    this.keys = new Int32Array(cap);
    this.heads = new Int32Array(cap);
  }
  private slot(h: number): number {
    const mask = this.keys.length - 1;
    let i = (h ^ (h >>> 16)) & mask;
    for (;;) {
      const head = this.heads[i] as number;
      if (head === 0 || this.keys[i] === h) return i;
      i = (i + 1) & mask;
    }
  }
  add(h: number, id: number): void {
    const i = this.slot(h);
    const head = this.heads[i] as number;
    this.next[id] = head;
    if (head === 0) {
      this.keys[i] = h;
      this.filled++;
    }
    this.heads[i] = id;
    if (this.filled * 2 > this.keys.length) this.grow();
  }
  first(h: number): number {
    return this.heads[this.slot(h)] as number;
  }
  private grow(): void {
    const keys = this.keys;
    const heads = this.heads;
    this.keys = new Int32Array(keys.length * 2);
    this.heads = new Int32Array(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      if (heads[j] === 0) continue;
      const i = this.slot(keys[j] as number);
      this.keys[i] = keys[j] as number;
      this.heads[i] = heads[j] as number;
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
  hypotList: Int32Array = new Int32Array(1024);
  hypotCount = 0;
  stack: Int32Array = new Int32Array(1024);
  hypotAdjustCanon = false;
  readonly cands: CandidateTable;

  constructor(readonly t: TypeTable) {
    this.w = t.words;
    this.offs = t.offs;
    this.first = t.firstId;
    this.end = t.nextId;
    this.map = new Int32Array(this.end).fill(UNPROCESSED);
    this.hypot = new Int32Array(this.end).fill(UNPROCESSED);
    this.cands = new CandidateTable(this.end);
    this.map[0] = 0;
    // Base types are canonical as they are; they seed the candidate lists.
    for (let id = 1; id < this.first; id++) {
      this.map[id] = id;
      const h = this.hashOf(id);
      if (h !== undefined) this.cands.add(h, id);
    }
    for (let id = this.first; id < this.end; id++) {
      const k = this.kindOf(id);
      if (k === Kind.Var || k === Kind.Datasec) this.map[id] = id;
    }
  }

  kindOf(id: number): number {
    return ((this.w[(this.offs[id] as number) + 1] as number) >>> 24) & 0x7f;
  }
  vlenOf(id: number): number {
    return (this.w[(this.offs[id] as number) + 1] as number) & 0xffffff;
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

  /** The candidate hash of a type for its kind's pass, or undefined for kinds never merged. */
  hashOf(id: number): number | undefined {
    const w = this.w;
    const o = this.offs[id] as number;
    const info = w[o + 1] as number;
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
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
      case Kind.Enum64:
        // Without vlen and the sign flag, so a forward-declared enum meets its definition.
        return mix(h, w[o + 2] as number);
      case Kind.Struct:
      case Kind.Union:
        h = mix(mix(h, info), w[o + 2] as number);
        for (let k = 0; k < vlen; k++) h = mix(mix(h, w[o + 3 + 3 * k] as number), w[o + 5 + 3 * k] as number);
        return h;
      case Kind.Array:
        return mix(mix(mix(h, w[o + 3] as number), w[o + 4] as number), w[o + 5] as number);
      case Kind.FuncProto:
        h = mix(mix(h, info), w[o + 2] as number);
        for (let k = 0; k < vlen; k++) h = mix(mix(h, w[o + 3 + 2 * k] as number), w[o + 4 + 2 * k] as number);
        return h;
      default:
        return undefined;
    }
  }

  /** Whether the records of `a` and `b` are word for word equal (same references included). */
  equalRecords(a: number, b: number): boolean {
    const w = this.w;
    const oa = this.offs[a] as number;
    const ob = this.offs[b] as number;
    if (w[oa + 1] !== w[ob + 1]) return false;
    const info = w[oa + 1] as number;
    const len = recordWords((info >>> 24) & 0x7f, info & 0xffffff);
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
    const vlen = (w[oa + 1] as number) & 0xffffff;
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
    const vlen = (w[oa + 1] as number) & 0xffffff;
    for (let k = 0; k < vlen; k++) if (w[oa + 3 + 2 * k] !== w[ob + 3 + 2 * k]) return false;
    return true;
  }

  // Pass 1 -----------------------------------------------------------------------------------

  primitives(): void {
    for (let id = this.first; id < this.end; id++) {
      const kind = this.kindOf(id);
      if (kind !== Kind.Int && kind !== Kind.Float && kind !== Kind.Enum && kind !== Kind.Enum64 && kind !== Kind.Fwd) {
        continue;
      }
      const h = this.hashOf(id)!;
      let to = id;
      for (let c = this.cands.first(h); c !== 0; c = this.cands.next[c] as number) {
        if (kind === Kind.Enum || kind === Kind.Enum64) {
          if (this.kindOf(c) !== kind) continue;
          if (this.equalRecords(id, c)) {
            to = c;
            break;
          }
          if (this.compatEnum(id, c)) {
            if (this.isEnumFwd(id)) {
              to = c;
              break;
            }
            // A canonical forward enum resolves to this full definition (never a base one).
            if (c >= this.first) this.map[c] = id;
          }
        } else if (this.equalRecords(id, c)) {
          to = c;
          break;
        }
      }
      this.map[id] = to;
      if (to === id) this.cands.add(h, id);
    }
  }

  // Pass 2 -----------------------------------------------------------------------------------

  clearHypot(): void {
    for (let i = 0; i < this.hypotCount; i++) this.hypot[this.hypotList[i] as number] = UNPROCESSED;
    this.hypotCount = 0;
    this.hypotAdjustCanon = false;
  }

  /**
   * Whether the graph at `cand` is equivalent to the graph at `canon`, recording visited pairs
   * in the hypothetical map. An explicit stack, since type graphs can be thousands deep.
   */
  isEquiv(candRoot: number, canonRoot: number): boolean {
    const w = this.w;
    const offs = this.offs;
    let stack = this.stack;
    let sp = 0;
    const push = (a: number, b: number) => {
      if (sp + 2 > stack.length) {
        const grown = new Int32Array(stack.length * 2);
        grown.set(stack);
        stack = grown;
        this.stack = grown;
      }
      stack[sp++] = a;
      stack[sp++] = b;
    };
    push(candRoot, canonRoot);
    while (sp > 0) {
      let canon = stack[--sp] as number;
      const cand = stack[--sp] as number;
      if (this.resolve(cand) === this.resolve(canon)) continue;
      if (cand === 0 || canon === 0) return false;
      canon = this.resolveFwd(canon);
      const h = this.hypot[canon] as number;
      if (h >= 0) {
        if (h === cand || this.identical(h, cand, IDENTICAL_DEPTH)) continue;
        return false;
      }
      this.hypot[canon] = cand;
      if (this.hypotCount === this.hypotList.length) {
        const grown = new Int32Array(this.hypotList.length * 2);
        grown.set(this.hypotList);
        this.hypotList = grown;
      }
      this.hypotList[this.hypotCount++] = canon;
      const oc = offs[cand] as number;
      const on = offs[canon] as number;
      if (w[oc] !== w[on]) return false;
      const ck = this.kindOf(cand);
      const nk = this.kindOf(canon);
      if ((ck === Kind.Fwd || nk === Kind.Fwd) && ck !== nk) {
        // A FWD matches a struct or union of its flavour (kind flag set: union).
        let realKind: number;
        let fwdUnion: boolean;
        if (ck === Kind.Fwd) {
          realKind = nk;
          fwdUnion = (w[oc + 1] as number) >>> 31 === 1;
        } else {
          realKind = ck;
          fwdUnion = (w[on + 1] as number) >>> 31 === 1;
        }
        const fwdKind = fwdUnion ? Kind.Union : Kind.Struct;
        if (fwdKind !== realKind) return false;
        // A base FWD cannot be resolved to a split definition.
        if (ck !== Kind.Fwd && canon < this.first) this.hypotAdjustCanon = true;
        continue;
      }
      if (ck !== nk) return false;
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
          if (w[oc + 1] !== w[on + 1]) return false;
          push(w[oc + 2] as number, w[on + 2] as number);
          break;
        case Kind.Array:
          if (w[oc + 1] !== w[on + 1] || w[oc + 2] !== w[on + 2] || w[oc + 5] !== w[on + 5]) return false;
          push(w[oc + 3] as number, w[on + 3] as number);
          push(w[oc + 4] as number, w[on + 4] as number);
          break;
        case Kind.Struct:
        case Kind.Union: {
          if (!this.shallowEqualStruct(cand, canon)) return false;
          const vlen = (w[oc + 1] as number) & 0xffffff;
          for (let k = vlen - 1; k >= 0; k--) push(w[oc + 4 + 3 * k] as number, w[on + 4 + 3 * k] as number);
          break;
        }
        case Kind.FuncProto: {
          if (!this.compatFnProto(cand, canon)) return false;
          const vlen = (w[oc + 1] as number) & 0xffffff;
          for (let k = vlen - 1; k >= 0; k--) push(w[oc + 4 + 2 * k] as number, w[on + 4 + 2 * k] as number);
          push(w[oc + 2] as number, w[on + 2] as number);
          break;
        }
        default:
          // VAR, DATASEC, DECL_TAG are not part of type graphs that structs reach.
          return false;
      }
    }
    return true;
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
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    switch (kind) {
      case Kind.Array:
        return (
          w[oa + 5] === w[ob + 5] &&
          this.identical(w[oa + 3] as number, w[ob + 3] as number, depth - 1) &&
          this.identical(w[oa + 4] as number, w[ob + 4] as number, depth - 1)
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
      if (to === id) this.cands.add(h, id);
    }
    this.clearHypot();
  }

  // Pass 3 -----------------------------------------------------------------------------------

  fwds(): void {
    // Canonical struct/union per name; 0 when several share the name.
    const byName = new Map<number, number>();
    for (let id = 1; id < this.end; id++) {
      const k = this.kindOf(id);
      if ((k !== Kind.Struct && k !== Kind.Union) || this.map[id] !== id) continue;
      const name = this.w[this.offs[id] as number] as number;
      if (name === 0) continue;
      const seen = byName.get(name);
      byName.set(name, seen === undefined ? id : 0);
    }
    for (let id = this.first; id < this.end; id++) {
      if (this.kindOf(id) !== Kind.Fwd || this.map[id] !== id) continue;
      const o = this.offs[id] as number;
      const target = byName.get(this.w[o] as number);
      if (!target) continue;
      const union = (this.w[o + 1] as number) >>> 31 === 1;
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
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    this.map[id] = IN_PROGRESS;
    switch (kind) {
      case Kind.Const:
      case Kind.Volatile:
      case Kind.Restrict:
      case Kind.Ptr:
      case Kind.Typedef:
      case Kind.Func:
      case Kind.TypeTag:
      case Kind.DeclTag:
        w[o + 2] = this.refType(w[o + 2] as number);
        break;
      case Kind.Array:
        w[o + 3] = this.refType(w[o + 3] as number);
        w[o + 4] = this.refType(w[o + 4] as number);
        break;
      case Kind.FuncProto:
        w[o + 2] = this.refType(w[o + 2] as number);
        for (let k = 0; k < vlen; k++) w[o + 4 + 2 * k] = this.refType(w[o + 4 + 2 * k] as number);
        break;
      default:
        this.map[id] = id;
        return id;
    }
    const h = this.hashOf(id)!;
    let to = id;
    for (let c = this.cands.first(h); c !== 0; c = this.cands.next[c] as number) {
      if (this.equalRecords(id, c)) {
        to = c;
        break;
      }
    }
    this.map[id] = to;
    if (to === id) this.cands.add(h, id);
    return to;
  }

  refs(): void {
    for (let id = this.first; id < this.end; id++) this.refType(id);
  }

  // Pass 5 -----------------------------------------------------------------------------------

  compact(): void {
    const t = this.t;
    const w = this.w;
    const newId = new Int32Array(this.end);
    for (let id = 0; id < this.first; id++) newId[id] = id;
    let next = this.first;
    for (let id = this.first; id < this.end; id++) if (this.map[id] === id) newId[id] = next++;
    const strings = t.strings.forkBase();
    const old = t.strings;
    const oldBytes = old.bytes();
    const oldStart = old.start;
    const strMap = new Map<number, number>();
    const out = new Uint32Array(Math.max(16, t.used - (this.first > 1 ? (t.offs[this.first] as number) : 0)));
    const baseWords = this.first > 1 ? (this.first < this.end ? (t.offs[this.first] as number) : t.used) : 0;
    const words = new Uint32Array(baseWords + out.length);
    words.set(w.subarray(0, baseWords));
    const offs = t.offs;
    let used = baseWords;
    const fixRef = (pos: number) => {
      words[pos] = newId[this.resolve(words[pos] as number)] as number;
    };
    const fixStr = (pos: number) => {
      const off = words[pos] as number;
      if (off < oldStart) return;
      let to = strMap.get(off);
      if (to === undefined) {
        const local = off - oldStart;
        let end = oldBytes.indexOf(0, local);
        if (end < 0) end = oldBytes.byteLength;
        to = strings.addBytes(oldBytes, local, end);
        strMap.set(off, to);
      }
      words[pos] = to;
    };
    const newOffs = new Uint32Array(Math.max(next, 1));
    newOffs.set(offs.subarray(0, this.first));
    for (let id = this.first; id < this.end; id++) {
      if (this.map[id] !== id) continue;
      const o = offs[id] as number;
      const info = w[o + 1] as number;
      const len = recordWords((info >>> 24) & 0x7f, info & 0xffffff);
      words.set(w.subarray(o, o + len), used);
      newOffs[newId[id] as number] = used;
      forEachRef(words, used, fixRef);
      forEachStr(words, used, fixStr);
      used += len;
    }
    t.words = words;
    t.used = used;
    t.offs = newOffs;
    t.nextId = next;
    t.strings = strings;
  }
}

/**
 * Deduplicates the own types of `table` in place (see the module comment for the rules).
 * IDs of own types change; base IDs never do.
 */
export function dedupTable(table: TypeTable): DedupStats {
  const typesBefore = table.count;
  const d = new Dedup(table);
  d.primitives();
  d.structs();
  d.fwds();
  d.refs();
  d.compact();
  return { typesBefore, typesAfter: table.count };
}
