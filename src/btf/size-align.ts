/**
 * Sizes and alignments of BTF types on libbpf's rules, in one place: `btf__resolve_size`,
 * `btf__align_of` and the pointer size libbpf infers from the `long` integer type. The C header
 * writer, the library's {@link sizeOf}/{@link alignOf} on types, and CO-RE's byte sizes and
 * bitfield loads all read sizes here. It works on records by ID, never inflating a type, and its
 * walks are iterative, so chains and nesting of any depth the kernel accepts are fine.
 * @module
 */
import { BtfError } from '../errors.js';
import { Kind } from './kinds.js';
import type { Spec } from './spec.js';
import { memberBitfieldSize } from './wire.js';

/** Pointer size when the BTF names no `long`: libbpf then takes the host's, 8 on every target with BTF. */
export const DEFAULT_POINTER_SIZE = 8;
/** libbpf's `MAX_RESOLVE_DEPTH`: how many typedefs, qualifiers and arrays a size walk follows. */
const MAX_RESOLVE_DEPTH = 32;
const U32_MAX = 0xffffffff;

/** The record fields the rules read, by type ID (ID 0, `void`, is kind 0). */
export interface LayoutRecords {
  /** One past the highest ID. */
  readonly nextId: number;
  kind(id: number): number;
  vlen(id: number): number;
  kflag(id: number): boolean;
  /** The `size`/`type` word. */
  sizeOrType(id: number): number;
  /** Word `k` after the 12-byte record head (an ARRAY's element type is word 0, its length word 2). */
  word(id: number, k: number): number;
}

/** Integer names that mean `long`, as libbpf lists them: their size gives the pointer size. */
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

/** Size of the first `long`-like INT of each spec and its bases (0: none), once asked. */
const longSizes = new WeakMap<Spec, number>();

/**
 * The pointer size of `spec`'s target, as libbpf determines it: the size of the first INT (in ID
 * order, bases first) of 4 or 8 bytes named like `long`, else {@link DEFAULT_POINTER_SIZE}.
 * Computed once per spec.
 */
export function pointerSizeOf(spec: Spec): number {
  return longSize(spec) || DEFAULT_POINTER_SIZE;
}

function longSize(spec: Spec): number {
  let size = longSizes.get(spec);
  if (size === undefined) {
    size = (spec.base ? longSize(spec.base) : 0) || longSizeOwn(spec);
    longSizes.set(spec, size);
  }
  return size;
}

function longSizeOwn(spec: Spec): number {
  const s = spec.section;
  for (let i = 0; i < s.count; i++) {
    if (s.kind(i) !== Kind.Int) continue;
    const size = s.sizeOrType(i);
    if (size !== 4 && size !== 8) continue;
    const name = spec.strings.lookup(s.nameOff(i));
    if (name !== undefined && LONG_NAMES.has(name)) return size;
  }
  return 0;
}

/** Sizes and alignments of the types of one set of records, with a cache of struct alignments. */
export class TypeLayout {
  /** Pointer size in bytes. */
  readonly pointerSize: number;
  private readonly r: LayoutRecords;
  /** Alignment of each struct/union once known; -1 unknown, -2 being computed. Made on first use. */
  private aligns: Int32Array | undefined;

  constructor(records: LayoutRecords, pointerSize: number) {
    this.r = records;
    this.pointerSize = pointerSize;
  }

  /**
   * `sizeof` of type `id` in bytes, as `btf__resolve_size`: through typedefs, qualifiers, VAR,
   * DECL_TAG and TYPE_TAG, arrays multiplying; -1 when it has none (void, FWD, FUNC,
   * FUNC_PROTO), a chain is longer than libbpf follows, or the size overflows 32 bits.
   */
  sizeOf(id: number): number {
    const r = this.r;
    let nelems = 1;
    let cur = id;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      switch (r.kind(cur)) {
        case Kind.Int:
        case Kind.Struct:
        case Kind.Union:
        case Kind.Enum:
        case Kind.Enum64:
        case Kind.Datasec:
        case Kind.Float:
          return total(nelems, r.sizeOrType(cur));
        case Kind.Ptr:
          return total(nelems, this.pointerSize);
        case Kind.Typedef:
        case Kind.Volatile:
        case Kind.Const:
        case Kind.Restrict:
        case Kind.Var:
        case Kind.DeclTag:
        case Kind.TypeTag:
          cur = r.sizeOrType(cur);
          break;
        case Kind.Array: {
          const len = r.word(cur, 2);
          if (nelems !== 0 && len > Math.floor(U32_MAX / nelems)) return -1;
          nelems *= len;
          cur = r.word(cur, 0);
          break;
        }
        default:
          return -1;
      }
    }
    return -1;
  }

  /**
   * Alignment of type `id` in bytes, as `btf__align_of`: scalars their size capped at the
   * pointer size; a struct or union its largest member's, or 1 when it is packed (a member off
   * its alignment, or a size not a multiple of it); 0 for types without one (void, FWD, FUNC,
   * FUNC_PROTO, or a struct with such a member).
   * @throws {BtfError} on a reference loop (only in bytes that were never validated).
   */
  alignOf(id: number): number {
    const s = this.strip(id);
    const r = this.r;
    switch (r.kind(s)) {
      case Kind.Int:
      case Kind.Enum:
      case Kind.Enum64:
      case Kind.Float:
        return Math.min(this.pointerSize, r.sizeOrType(s));
      case Kind.Ptr:
        return this.pointerSize;
      case Kind.Struct:
      case Kind.Union: {
        this.aligns ??= new Int32Array(r.nextId).fill(-1);
        const cached = this.aligns[s] as number;
        if (cached >= 0) return cached;
        this.alignComposites(s, this.aligns);
        return this.aligns[s] as number;
      }
      default:
        return 0;
    }
  }

  /** Follows typedefs, qualifiers and array elements to the type whose alignment counts. */
  private strip(id: number): number {
    const r = this.r;
    let cur = id;
    for (let steps = 0; ; steps++) {
      if (steps > r.nextId) throw new BtfError('reference loop', { typeId: id });
      switch (r.kind(cur)) {
        case Kind.Typedef:
        case Kind.Volatile:
        case Kind.Const:
        case Kind.Restrict:
        case Kind.TypeTag:
          cur = r.sizeOrType(cur);
          break;
        case Kind.Array:
          cur = r.word(cur, 0);
          break;
        default:
          return cur;
      }
    }
  }

  /**
   * Fills the cache for struct/union `root` and every struct/union it holds by value, in
   * post-order on an explicit stack (each entry remembers the next member to look at).
   */
  private alignComposites(root: number, cache: Int32Array): void {
    const r = this.r;
    const ids: number[] = [root];
    const next: number[] = [0];
    cache[root] = -2;
    while (ids.length > 0) {
      const top = ids.length - 1;
      const id = ids[top] as number;
      const n = r.vlen(id);
      let pushed = false;
      for (let j = next[top] as number; j < n; j++) {
        const m = this.strip(r.word(id, j * 3 + 1));
        const k = r.kind(m);
        if ((k !== Kind.Struct && k !== Kind.Union) || (cache[m] as number) >= 0) continue;
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

  /** The alignment of a struct/union whose by-value members' alignments are all known. */
  private compositeAlign(id: number): number {
    const r = this.r;
    const n = r.vlen(id);
    const kflag = r.kflag(id);
    let max = 1;
    for (let j = 0; j < n; j++) {
      const a = this.alignOf(r.word(id, j * 3 + 1));
      if (a <= 0) return a;
      if (a > max) max = a;
      const off = r.word(id, j * 3 + 2);
      if (memberBitfieldSize(off, kflag) === 0 && off % (8 * a) !== 0) return 1;
    }
    return r.sizeOrType(id) % max !== 0 ? 1 : max;
  }
}

/** `nelems * size`, or -1 when it overflows 32 bits (libbpf's -E2BIG). */
function total(nelems: number, size: number): number {
  if (nelems !== 0 && size > Math.floor(U32_MAX / nelems)) return -1;
  return nelems * size;
}
