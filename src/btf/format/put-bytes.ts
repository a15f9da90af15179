/**
 * Byte-level writers shared by the text dumps (raw, JSON): fixed labels as precomputed words
 * and decimal numbers written two digits at a time, straight into an output buffer through a
 * `DataView` of it. Each takes the view and a position and returns the position after what it
 * wrote, so the per-kind writers keep their position in a local.
 *
 * The view is for speed: the optimizing compiler turns a `DataView` store into one plain machine
 * store at any offset, so a label goes out four bytes per store and two digits per store. Copied
 * byte by byte through a `Uint8Array`, each byte with its own bounds check, labels were a third
 * of the JSON dump's time once compiled (vmlinux: 49 ms steady against 42 for the same dump by
 * words). A word store may write up to three bytes past the text it copies: what follows is
 * written over them, and every dump buffer keeps a line's room past the position it writes at.
 * @module
 */

/**
 * Fixed text of a dump (`,"type_id":`, `' size=`), ready for {@link put}: its length, and its
 * bytes packed four to a little-endian word, the last word padded with NULs.
 */
export interface Label {
  /** Bytes of text. */
  readonly length: number;
  /** The text, four bytes per word (the first byte in the low bits). */
  readonly words: Uint32Array;
}

/** The label of `s` (every label of the dumps is ASCII). */
export function labelOf(s: string): Label {
  const words = new Uint32Array((s.length + 3) >>> 2);
  for (let i = 0; i < s.length; i++) words[i >>> 2] = (words[i >>> 2] as number) | (s.charCodeAt(i) << ((i & 3) << 3));
  return { length: s.length, words };
}

/** `"00"` to `"99"` as little-endian 16-bit words: numbers are written two digits per store. */
const DIGIT_PAIRS = Uint16Array.from({ length: 100 }, (_, i) => (48 + ((i / 10) | 0)) | ((48 + (i % 10)) << 8));
/** Powers of ten up to 10^10, for counting the digits of a 32-bit number without a loop. */
const POW10 = new Float64Array(Array.from({ length: 11 }, (_, i) => 10 ** i));

/** Copies `label` to `v[p]` (and up to three bytes past it); returns the position after it. */
export function put(v: DataView, p: number, label: Label): number {
  const w = label.words;
  for (let i = 0; i < w.length; i++) v.setUint32(p + (i << 2), w[i]!, true);
  return p + label.length;
}

/** Writes the unsigned 32-bit `n` in decimal at `v[p]`; returns the position after it. */
export function putUint(v: DataView, p: number, n: number): number {
  // The digit count from the bit length (log10(2) ~ 1233/4096), corrected by one comparison;
  // `n | 1` has as many digits as `n` and gives 0 one digit.
  const x = (n | 1) >>> 0;
  const t = ((32 - Math.clz32(x)) * 1233) >>> 12;
  const end = p + t + (x >= POW10[t]! ? 1 : 0);
  let e = end;
  let m = n;
  while (m >= 100) {
    const q = (m / 100) >>> 0;
    e -= 2;
    v.setUint16(e, DIGIT_PAIRS[m - q * 100]!, true);
    m = q;
  }
  if (m >= 10) v.setUint16(e - 2, DIGIT_PAIRS[m]!, true);
  else v.setUint8(e - 1, 48 + m);
  return end;
}

/** Writes `label` then the unsigned `n` in decimal: a `key=value` or `"key":value` pair. */
export function putField(v: DataView, p: number, label: Label, n: number): number {
  // put()'s loop written out: the dumps run with the optimizing compiler's inlining off (see
  // src/cli/main.ts), and this is their most frequent call, so one call fewer per field.
  const w = label.words;
  for (let i = 0; i < w.length; i++) v.setUint32(p + (i << 2), w[i]!, true);
  return putUint(v, p + label.length, n);
}

/** Writes the signed 32-bit `n` in decimal; returns the position after it. */
export function putInt(v: DataView, p: number, n: number): number {
  if (n >= 0) return putUint(v, p, n);
  v.setUint8(p, 45);
  return putUint(v, p + 1, -n);
}

/** Writes the ASCII string `s` (a number already formatted); returns the position after it. */
export function putAscii(v: DataView, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) v.setUint8(p + i, s.charCodeAt(i));
  return p + s.length;
}

/** The largest integer V8 keeps unboxed (a small integer) on 64-bit builds. */
const SMALL_MAX = 0x3fffffff;

/**
 * Writes an enumerator's 32-bit value `v` (as read from the record), as a signed number when
 * `signed`. Enumerators are where vmlinux's numbers leave V8's small-integer range (0xffffffff
 * and the like): those are written through a string, so that {@link putUint}, the dumps' hottest
 * function, only ever sees small integers and its optimized code is not thrown away and rebuilt
 * at the first large one.
 */
export function putEnumValue(v: DataView, p: number, value: number, signed: boolean): number {
  if (value <= SMALL_MAX) return putUint(v, p, value);
  const n = signed ? value | 0 : value;
  if (n < 0 && n >= -SMALL_MAX) {
    v.setUint8(p, 45);
    return putUint(v, p + 1, -n);
  }
  return putAscii(v, p, String(n));
}
