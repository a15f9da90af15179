/**
 * Byte-level writers shared by the text dumps (raw, JSON): fixed labels as precomputed bytes
 * and decimal numbers written two digits at a time, straight into an output buffer. Each takes
 * the buffer and a position and returns the position after what it wrote, so V8 inlines them
 * into the per-kind writers without property lookups.
 * @module
 */

/** ASCII bytes of `s` (every label of the dumps is ASCII). */
export function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** `"00"` to `"99"`: numbers are written two digits per division. */
const DIGIT_PAIRS = bytesOf(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));
/** Powers of ten up to 10^10, for counting the digits of a 32-bit number without a loop. */
const POW10 = new Float64Array(Array.from({ length: 11 }, (_, i) => 10 ** i));

/** Copies `label` to `b[p]`; returns the position after it. */
export function put(b: Uint8Array, p: number, label: Uint8Array): number {
  const n = label.length;
  for (let i = 0; i < n; i++) b[p + i] = label[i]!;
  return p + n;
}

/** Writes the unsigned 32-bit `n` in decimal at `b[p]`; returns the position after it. */
export function putUint(b: Uint8Array, p: number, n: number): number {
  // The digit count from the bit length (log10(2) ~ 1233/4096), corrected by one comparison;
  // `n | 1` has as many digits as `n` and gives 0 one digit.
  const x = (n | 1) >>> 0;
  const t = ((32 - Math.clz32(x)) * 1233) >>> 12;
  const end = p + t + (x >= POW10[t]! ? 1 : 0);
  let e = end;
  let v = n;
  while (v >= 100) {
    const q = (v / 100) >>> 0;
    const r = (v - q * 100) << 1;
    b[--e] = DIGIT_PAIRS[r + 1]!;
    b[--e] = DIGIT_PAIRS[r]!;
    v = q;
  }
  if (v >= 10) {
    b[--e] = DIGIT_PAIRS[(v << 1) + 1]!;
    b[--e] = DIGIT_PAIRS[v << 1]!;
  } else {
    b[--e] = 48 + v;
  }
  return end;
}

/** Writes `label` then the unsigned `n` in decimal: a `key=value` or `"key":value` pair. */
export function putField(b: Uint8Array, p: number, label: Uint8Array, n: number): number {
  // put()'s loop written out: the dumps run with the optimizing compiler's inlining off (see
  // src/cli/main.ts), and this is their most frequent call, so one call fewer per field.
  const len = label.length;
  for (let i = 0; i < len; i++) b[p + i] = label[i]!;
  return putUint(b, p + len, n);
}

/** Writes the signed 32-bit `n` in decimal; returns the position after it. */
export function putInt(b: Uint8Array, p: number, n: number): number {
  if (n >= 0) return putUint(b, p, n);
  b[p] = 45;
  return putUint(b, p + 1, -n);
}

/** Writes the ASCII string `s` (a number already formatted); returns the position after it. */
export function putAscii(b: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[p + i] = s.charCodeAt(i);
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
export function putEnumValue(b: Uint8Array, p: number, v: number, signed: boolean): number {
  if (v <= SMALL_MAX) return putUint(b, p, v);
  const n = signed ? v | 0 : v;
  if (n < 0 && n >= -SMALL_MAX) {
    b[p] = 45;
    return putUint(b, p + 1, -n);
  }
  return putAscii(b, p, String(n));
}
