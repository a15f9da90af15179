/**
 * A flat, ID-indexed view of every type a spec sees (its base's and its own), read straight from
 * the wire records, for the C header writer. Layout queries (alignment, size, pointer size) follow
 * the C rules the BTF-to-C dumper of libbpf applies, including its fallbacks for types that have no
 * size or alignment (they count as 0).
 * @module
 */
import { BtfError } from '../../errors.js';
import { Kind } from '../kinds.js';
import { chainRecords } from '../record-at.js';
import type { Spec } from '../spec.js';
import type { StringTable } from '../strings.js';
import { infoKflag, infoKind, infoVlen, memberBitfieldSize } from '../wire.js';

/** Integer names that mean `long`: their size gives the pointer size. */
const LONG_NAMES = new Set([
  'long',
  'long int',
  'int long',
  'unsigned long',
  'long unsigned',
  'unsigned long int',
  'unsigned int long',
  'long unsigned int',
  'long int unsigned',
  'int unsigned long',
  'int long unsigned',
]);

/** Bounds chains of typedefs, qualifiers and arrays in size queries. */
const MAX_RESOLVE_DEPTH = 32;
const U32_MAX = 0xffffffff;

/** Every type of a spec and its bases, by ID. ID 0 is `void` (kind 0). */
export class CTypeTable {
  /** Host-order record words of all specs, concatenated. */
  readonly words: Uint32Array;
  /** Word index of each type's record head, by ID (entry 0 unused). */
  readonly starts: Uint32Array;
  /** One past the highest ID. */
  readonly count: number;
  /** Pointer size in bytes: the size of the first `long`-like INT, else 8. */
  readonly ptrSize: number;
  /** The string sections of the spec and its bases, the root's first. */
  private readonly stringTables: StringTable[] = [];
  private readonly names = new Map<number, string>();
  /** Each type's own name, once looked up. */
  private readonly typeNames: (string | undefined)[];
  private readonly alignCache: Int32Array;

  constructor(spec: Spec) {
    this.count = spec.nextId;
    for (let st: StringTable | undefined = spec.strings; st; st = st.base) this.stringTables.unshift(st);
    this.typeNames = new Array(this.count);
    const records = chainRecords(spec);
    this.words = records.words;
    this.starts = records.starts;
    this.alignCache = new Int32Array(this.count).fill(-1);
    this.ptrSize = this.findPointerSize();
  }

  kind(id: number): number {
    return id === 0 ? 0 : infoKind(this.words[this.starts[id]! + 1]!);
  }
  nameOff(id: number): number {
    return id === 0 ? 0 : this.words[this.starts[id]!]!;
  }
  vlen(id: number): number {
    return infoVlen(this.words[this.starts[id]! + 1]!);
  }
  kflag(id: number): boolean {
    return infoKflag(this.words[this.starts[id]! + 1]!);
  }
  /** The `size`/`type` word. */
  sizeOrType(id: number): number {
    return this.words[this.starts[id]! + 2]!;
  }
  /** Word index of the first word after the record head. */
  body(id: number): number {
    return this.starts[id]! + 3;
  }
  /** Element type of an ARRAY. */
  arrayElem(id: number): number {
    return this.words[this.starts[id]! + 3]!;
  }
  arrayLength(id: number): number {
    return this.words[this.starts[id]! + 5]!;
  }
  isComposite(id: number): boolean {
    const k = this.kind(id);
    return k === Kind.Struct || k === Kind.Union;
  }

  /**
   * The string at `off`, each byte one UTF-16 unit (Latin-1), so writing it back byte by byte
   * reproduces the section's bytes exactly, whatever their encoding. Cached.
   */
  name(off: number): string {
    if (off === 0) return '';
    let s = this.names.get(off);
    if (s === undefined) {
      s = '';
      const table = this.tableOf(off);
      if (table) {
        const bytes = table.bytes;
        const start = off - table.start;
        const end = bytes.indexOf(0, start);
        for (let i = start; i < end; i += 4096) {
          s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
        }
      }
      this.names.set(off, s);
    }
    return s;
  }

  /** The string section holding offset `off`. */
  tableOf(off: number): StringTable | undefined {
    const tables = this.stringTables;
    for (let i = tables.length - 1; i >= 0; i--) {
      const t = tables[i]!;
      if (off >= t.start) return off < t.end ? t : undefined;
    }
    return undefined;
  }

  /** Whether the string at `off` is empty. */
  isEmptyName(off: number): boolean {
    if (off === 0) return true;
    const t = this.tableOf(off);
    return t === undefined || t.bytes[off - t.start] === 0;
  }

  /** The type's own name (not de-duplicated). */
  typeName(id: number): string {
    let s = this.typeNames[id];
    if (s === undefined) {
      s = this.name(this.nameOff(id));
      this.typeNames[id] = s;
    }
    return s;
  }

  private findPointerSize(): number {
    for (let id = 1; id < this.count; id++) {
      if (this.kind(id) !== Kind.Int) continue;
      const size = this.sizeOrType(id);
      if (size !== 4 && size !== 8) continue;
      if (LONG_NAMES.has(this.typeName(id))) return size;
    }
    return 8;
  }

  /**
   * Alignment of a value of type `id` in bytes: 1 for a packed struct or union (a member off its
   * natural alignment, or a size that is not a multiple of it), 0 for types without one (void,
   * forward declarations, functions). Iterative: chains and nesting of any depth are fine.
   * @throws {BtfError} on a reference loop (only possible in bytes changed after validation).
   */
  alignOf(id: number): number {
    const s = this.strip(id);
    switch (this.kind(s)) {
      case Kind.Int:
      case Kind.Enum:
      case Kind.Enum64:
      case Kind.Float:
        return Math.min(this.ptrSize, this.sizeOrType(s));
      case Kind.Ptr:
        return this.ptrSize;
      case Kind.Struct:
      case Kind.Union: {
        const cached = this.alignCache[s]!;
        if (cached >= 0) return cached;
        this.alignComposites(s);
        return this.alignCache[s]!;
      }
      default:
        return 0;
    }
  }

  /** Follows typedefs, qualifiers and array elements to the type whose alignment counts. */
  private strip(id: number): number {
    let cur = id;
    for (let steps = 0; ; steps++) {
      if (steps > this.count) throw new BtfError('reference loop', { typeId: id });
      switch (this.kind(cur)) {
        case Kind.Typedef:
        case Kind.Volatile:
        case Kind.Const:
        case Kind.Restrict:
        case Kind.TypeTag:
          cur = this.sizeOrType(cur);
          break;
        case Kind.Array:
          cur = this.arrayElem(cur);
          break;
        default:
          return cur;
      }
    }
  }

  /**
   * Fills the alignment cache for composite `root` and every composite it contains by value, in
   * post-order on an explicit stack (each entry remembers the next member to look at).
   */
  private alignComposites(root: number): void {
    const w = this.words;
    const cache = this.alignCache;
    const ids: number[] = [root];
    const next: number[] = [0];
    cache[root] = -2; // on the stack
    while (ids.length > 0) {
      const top = ids.length - 1;
      const id = ids[top]!;
      const body = this.body(id);
      const n = this.vlen(id);
      let j = next[top]!;
      let pushed = false;
      for (; j < n; j++) {
        const m = this.strip(w[body + j * 3 + 1]!);
        if (!this.isComposite(m) || cache[m]! >= 0) continue;
        if (cache[m] === -2) throw new BtfError('type contains itself by value', { typeId: m });
        next[top] = j + 1;
        cache[m] = -2;
        ids.push(m);
        next.push(0);
        pushed = true;
        break;
      }
      if (pushed) continue;
      cache[id] = this.compositeAlign(id);
      ids.pop();
      next.pop();
    }
  }

  /** The alignment of a composite whose by-value members' alignments are all known. */
  private compositeAlign(id: number): number {
    const w = this.words;
    const body = this.body(id);
    const n = this.vlen(id);
    const kflag = this.kflag(id);
    let max = 1;
    for (let j = 0; j < n; j++) {
      const m = body + j * 3;
      const a = this.alignOf(w[m + 1]!);
      if (a <= 0) return a;
      if (a > max) max = a;
      const off = w[m + 2]!;
      const bitfield = memberBitfieldSize(off, kflag) !== 0;
      if (!bitfield && off % (8 * a) !== 0) return 1;
    }
    return this.sizeOrType(id) % max !== 0 ? 1 : max;
  }

  /**
   * `sizeof` of type `id` in bytes, or a negative number when it has none (void, forward
   * declarations, functions) or its size overflows 32 bits.
   */
  resolveSize(id: number): number {
    let nelems = 1;
    let size = -1;
    let cur = id;
    outer: for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const k = this.kind(cur);
      if (cur === 0 || k === Kind.Fwd) break;
      switch (k) {
        case Kind.Int:
        case Kind.Struct:
        case Kind.Union:
        case Kind.Enum:
        case Kind.Enum64:
        case Kind.Datasec:
        case Kind.Float:
          size = this.sizeOrType(cur);
          break outer;
        case Kind.Ptr:
          size = this.ptrSize;
          break outer;
        case Kind.Typedef:
        case Kind.Volatile:
        case Kind.Const:
        case Kind.Restrict:
        case Kind.Var:
        case Kind.DeclTag:
        case Kind.TypeTag:
          cur = this.sizeOrType(cur);
          break;
        case Kind.Array: {
          const len = this.arrayLength(cur);
          if (nelems !== 0 && len > Math.floor(U32_MAX / nelems)) return -1;
          nelems *= len;
          cur = this.arrayElem(cur);
          break;
        }
        default:
          return -1;
      }
    }
    if (size < 0) return -1;
    if (nelems !== 0 && size > Math.floor(U32_MAX / nelems)) return -1;
    return nelems * size;
  }
}
