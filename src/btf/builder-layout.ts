/**
 * Member placement for the Builder: the bit offsets and size C gives a struct or union whose
 * members are listed in order, so that callers name members and types and need not compute
 * offsets by hand. Natural layout is the System V ABI's, which GCC and clang follow on every
 * Linux target: each member at the next multiple of its alignment, a bit-field in the next
 * bits unless it would cross a unit of its type's size, the size rounded up to the largest
 * alignment. Packed layout (`__attribute__((packed))`) puts each member right after the last.
 * Sizes and alignments are read on libbpf's rules from the records added so far.
 * @module
 */
import { BtfError } from '../errors.js';
import { DEFAULT_POINTER_SIZE, type LayoutRecords, pointerSizeOf, TypeLayout } from './size-align.js';
import type { TypeTable } from './type-table.js';
import { infoKflag, infoKind, infoVlen } from './wire.js';

/** How the Builder places members whose offsets it computes: as C does by default, or packed. */
export type MemberLayout = 'natural' | 'packed';

/** A member whose offset the Builder computes. */
export interface LayoutMemberInit {
  /** The member's name; '' for an anonymous struct or union member. */
  name: string;
  /** The member's type: a type added before (its size must be known), or of the base. */
  typeId: number;
  /** Bit-field width in bits; 0 (the default) for a plain member. */
  bitfieldSize?: number;
}

/** Options of the layout form of `Builder.addStruct` and `Builder.addUnion`. */
export interface LayoutOptions {
  /** `natural` (the default): C's placement with alignment padding; `packed`: none. */
  layout?: MemberLayout;
}

/** A placed aggregate: each member's bit offset, and the aggregate's size in bytes. */
export interface PlacedMembers {
  /** Bit offset of each member, in order. */
  offsets: number[];
  /** Size of the aggregate in bytes. */
  size: number;
}

/** The table's records, base and own alike, as the size and alignment rules read them. */
class TableRecords implements LayoutRecords {
  constructor(private readonly t: TypeTable) {}
  get nextId(): number {
    return this.t.nextId;
  }
  private info(id: number): number {
    return this.t.words[(this.t.offs[id] as number) + 1] as number;
  }
  kind(id: number): number {
    return id === 0 || id >= this.t.nextId ? 0 : infoKind(this.info(id));
  }
  vlen(id: number): number {
    return infoVlen(this.info(id));
  }
  kflag(id: number): boolean {
    return infoKflag(this.info(id));
  }
  sizeOrType(id: number): number {
    return this.t.words[(this.t.offs[id] as number) + 2] as number;
  }
  word(id: number, k: number): number {
    return this.t.words[(this.t.offs[id] as number) + 3 + k] as number;
  }
}

/**
 * Places `members` of a struct (`union` false) or union named `label` in `table`.
 * @throws {BtfError} for a member whose type is not added yet or has no size (void, FWD,
 * FUNC), or a bit-field wider than its type.
 */
export function placeMembers(
  table: TypeTable,
  label: string,
  union: boolean,
  members: readonly LayoutMemberInit[],
  layout: MemberLayout,
): PlacedMembers {
  if (layout !== 'natural' && layout !== 'packed') {
    throw new BtfError(`${label}: layout ${JSON.stringify(layout)} is not 'natural' or 'packed'`, { typeId: table.nextId });
  }
  const sizes = new TypeLayout(new TableRecords(table), table.base ? pointerSizeOf(table.base) : DEFAULT_POINTER_SIZE);
  const packed = layout === 'packed';
  const offsets: number[] = [];
  let bit = 0;
  let end = 0;
  let maxAlign = 1;
  for (const m of members) {
    const what = `${label}.${m.name || '(anon)'}`;
    if (!Number.isInteger(m.typeId) || m.typeId <= 0 || m.typeId >= table.nextId) {
      throw new BtfError(
        `${what}: type [${m.typeId}] is not added yet, and its layout needs its size (add it first, or give bit offsets)`,
        {
          typeId: table.nextId,
        },
      );
    }
    const size = sizes.sizeOf(m.typeId);
    const align = sizes.alignOf(m.typeId);
    if (size < 0 || align <= 0) {
      throw new BtfError(`${what}: type [${m.typeId}] has no size or alignment (void, a forward declaration, a function)`, {
        typeId: table.nextId,
      });
    }
    const width = m.bitfieldSize ?? 0;
    if (width > size * 8)
      throw new BtfError(`${what}: a ${width}-bit bit-field is wider than its ${size}-byte type`, { typeId: table.nextId });
    const a = packed ? 1 : align;
    maxAlign = Math.max(maxAlign, a);
    let at = union ? 0 : bit;
    if (width > 0) {
      // The bit-field goes in the next bits, unless (natural layout) it would cross a unit of its type's size.
      const unit = size * 8;
      if (!packed && Math.floor(at / unit) !== Math.floor((at + width - 1) / unit)) at = roundUp(at, unit);
      offsets.push(at);
      end = Math.max(end, at + width);
      if (!union) bit = at + width;
    } else {
      at = roundUp(at, a * 8);
      offsets.push(at);
      end = Math.max(end, at + size * 8);
      if (!union) bit = at + size * 8;
    }
  }
  return { offsets, size: roundUp(Math.ceil(end / 8), packed ? 1 : maxAlign) };
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
