/**
 * Small blobs for validation tests: a Builder's output, patched word by word or re-laid out, so a
 * test can break exactly one rule of the kernel's BTF verifier.
 */
import { Builder, loadSpec } from '../../src/btf/index.js';

/** A Builder with `int` (ID 1, 4 bytes, signed) already added. */
export function withInt(): { b: Builder; int: number } {
  const b = new Builder();
  return { b, int: b.addInt('int', 4, 1) };
}

/** Sets word `word` (0 name, 1 info, 2 size/type, 3... the record's extra words) of type `id`. */
export function patchWord(bytes: Uint8Array, id: number, word: number, value: number): Uint8Array {
  const spec = loadSpec(bytes);
  const off = spec.section.offset(id - spec.firstId) + word * 4;
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(off, value >>> 0, true);
  return bytes;
}

/** The info word of `kind` with `vlen` items and kind_flag `kflag`. */
export function info(kind: number, vlen = 0, kflag = false): number {
  return ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}

/**
 * The blob's sections laid out again: `stringsFirst` puts the string section before the type
 * section, `gap` leaves bytes between them, `trailing` adds bytes after both, `headerLength`
 * widens the header with zero bytes. The string section is padded with NULs to a multiple of 4
 * first, so the type section stays aligned.
 */
export function relayout(
  bytes: Uint8Array,
  o: { stringsFirst?: boolean; gap?: number; trailing?: number; headerLength?: number } = {},
): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = v.getUint32(4, true);
  const types = bytes.subarray(hdrLen + v.getUint32(8, true), hdrLen + v.getUint32(8, true) + v.getUint32(12, true));
  const raw = bytes.subarray(hdrLen + v.getUint32(16, true), hdrLen + v.getUint32(16, true) + v.getUint32(20, true));
  const strings = new Uint8Array((raw.length + 3) & ~3);
  strings.set(raw);
  const head = o.headerLength ?? hdrLen;
  const gap = o.gap ?? 0;
  const [a, b] = o.stringsFirst ? [strings, types] : [types, strings];
  const out = new Uint8Array(head + a.length + gap + b.length + (o.trailing ?? 0));
  out.set(bytes.subarray(0, 24));
  const w = new DataView(out.buffer);
  w.setUint32(4, head, true);
  out.set(a, head);
  out.set(b, head + a.length + gap);
  const second = a.length + gap;
  w.setUint32(8, o.stringsFirst ? second : 0, true);
  w.setUint32(12, types.length, true);
  w.setUint32(16, o.stringsFirst ? 0 : second, true);
  w.setUint32(20, strings.length, true);
  return out;
}

/** Replaces the first occurrence of the ASCII name `name` in the string section by `raw` bytes of the same length. */
export function patchName(bytes: Uint8Array, name: string, raw: readonly number[]): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = v.getUint32(4, true) + v.getUint32(16, true);
  const end = start + v.getUint32(20, true);
  const want = [...name].map((c) => c.charCodeAt(0));
  for (let i = start; i + want.length < end; i++) {
    if (bytes[i - 1] === 0 && want.every((c, k) => bytes[i + k] === c) && bytes[i + want.length] === 0) {
      bytes.set(raw, i);
      return bytes;
    }
  }
  throw new Error(`no string ${name}`);
}

/** The string offset of the ASCII name `name`. */
export function nameOffset(bytes: Uint8Array, name: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = v.getUint32(4, true) + v.getUint32(16, true);
  const end = start + v.getUint32(20, true);
  const want = [...name].map((c) => c.charCodeAt(0));
  for (let i = start; i + want.length < end; i++) {
    if (bytes[i - 1] === 0 && want.every((c, k) => bytes[i + k] === c) && bytes[i + want.length] === 0) return i - start;
  }
  throw new Error(`no string ${name}`);
}
