/**
 * Writing BTF bytes: a header, the type section and a deduplicated string section, in either
 * byte order, as base BTF or as split BTF on a base (IDs and string offsets continuing after
 * the base's). Since every field of every BTF record is a u32, a type section is written as a
 * run of words, swapped as a whole for the other byte order.
 * @module
 */
import { BtfError } from '../errors.js';
import { HEADER_SIZE } from './header.js';
import { MAX_TYPE_ID } from './kinds.js';
import type { Spec } from './spec.js';
import { StringSet } from './string-set.js';
import { chainStrings, HOST_LE, sectionWords, type TypeTable } from './type-table.js';
import { forEachStr } from './wire.js';

const MAGIC = 0xeb9f;

/** How to write. */
export interface MarshalOptions {
  /** Byte order of the output; defaults to the source's (a spec) or the host's (built types). */
  littleEndian?: boolean;
}

/** Options for {@link marshalSpec}. */
export interface MarshalSpecOptions extends MarshalOptions {
  /**
   * Rebuild the string section from the strings the types use, in the order they use them
   * (drops unused strings). By default the source's section is kept in its order, minus
   * duplicates, which makes canonical input (kernel BTF) come out byte for byte.
   */
  compactStrings?: boolean;
}

/** Writes a header, `typeWords` and `strings` as one blob. */
export function writeBlob(typeWords: Uint32Array, strings: Uint8Array, littleEndian: boolean): Uint8Array {
  const typeLen = typeWords.length * 4;
  const out = new Uint8Array(HEADER_SIZE + typeLen + strings.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, MAGIC, littleEndian);
  view.setUint8(2, 1);
  view.setUint8(3, 0);
  view.setUint32(4, HEADER_SIZE, littleEndian);
  view.setUint32(8, 0, littleEndian);
  view.setUint32(12, typeLen, littleEndian);
  view.setUint32(16, typeLen, littleEndian);
  view.setUint32(20, strings.byteLength, littleEndian);
  if (littleEndian === HOST_LE) {
    out.set(new Uint8Array(typeWords.buffer, typeWords.byteOffset, typeLen), HEADER_SIZE);
  } else {
    for (let i = 0; i < typeWords.length; i++) view.setUint32(HEADER_SIZE + i * 4, typeWords[i] as number, littleEndian);
  }
  out.set(strings, HEADER_SIZE + typeLen);
  return out;
}

/**
 * Writes the own types of `table` (split BTF when the table has a base).
 * @throws {BtfError} when a type references a type that was not added, or when the types run
 * past the format's highest type ID (a working table may hold more until it is deduplicated).
 */
export function marshalTable(table: TypeTable, options: MarshalOptions = {}): Uint8Array {
  if (table.nextId - 1 > MAX_TYPE_ID) {
    throw new BtfError(
      `type count exceeds the format limit: ${table.count} types from ID ${table.firstId} run to ID ${table.nextId - 1} > ${MAX_TYPE_ID} (0xfffff)`,
    );
  }
  table.checkRefs();
  const start = table.firstId < table.nextId ? table.at(table.firstId) : table.used;
  return writeBlob(
    table.words.subarray(start, table.used),
    table.strings.bytes(),
    options.littleEndian ?? table.base?.littleEndian ?? HOST_LE,
  );
}

/**
 * Writes the own types of `spec` (as split BTF on its base when it has one) straight from its
 * wire records: no type is inflated. The string section keeps the source's order (see
 * {@link MarshalSpecOptions.compactStrings}); a split spec's strings that its base also holds
 * are written as the base's offsets, as libbpf does.
 */
export function marshalSpec(spec: Spec, options: MarshalSpecOptions = {}): Uint8Array {
  const littleEndian = options.littleEndian ?? spec.littleEndian;
  const { words } = sectionWords(spec);
  const set = new StringSet(spec.base ? chainStrings(spec.base) : undefined);
  const own = spec.strings.bytes;
  const first = spec.strings.start;
  // New offset of each own string, indexed by its local offset; built only when one moves.
  let moved: Int32Array | undefined;
  const map = (local: number, to: number) => {
    if (!moved) {
      moved = new Int32Array(own.byteLength + 1).fill(-1);
    }
    moved[local] = to;
  };
  if (options.compactStrings) {
    moved = new Int32Array(own.byteLength + 1).fill(-1);
  } else if (!spec.base) {
    const dup = set.seed(own);
    if (dup) for (const [from, to] of dup) map(from, to);
  } else {
    for (let off = 0; off < own.byteLength; ) {
      let end = own.indexOf(0, off);
      if (end < 0) end = own.byteLength;
      const to = set.addBytes(own, off, end);
      if (to !== first + off) map(off, to);
      off = end + 1;
    }
  }
  let out = words;
  if (moved) {
    const remap = moved;
    out = words.slice();
    const { offs } = sectionWords(spec);
    for (let i = 0; i < offs.length; i++) {
      forEachStr(out, offs[i] as number, (pos) => {
        const off = out[pos] as number;
        if (off < first) return;
        const local = off - first;
        let to = remap[local] as number;
        if (to < 0) {
          // Compacting, or an offset into the middle of a string (a shared suffix).
          let end = own.indexOf(0, local);
          if (end < 0) end = own.byteLength;
          to = set.addBytes(own, local, end);
          remap[local] = to;
        }
        out[pos] = to;
      });
    }
  }
  return writeBlob(out, set.bytes(), littleEndian);
}
