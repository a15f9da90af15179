/**
 * The longest string of a string section, measured while its bytes are as validation saw them,
 * so loops over names can stop there if the bytes change later (a string section whose NULs were
 * overwritten would otherwise make every name run to the end of the section: quadratic time and
 * memory). Measured once per section (one pass over its bytes), on first use or by validation.
 * @module
 */

const longest = new WeakMap<Uint8Array, number>();

/** Length of the longest NUL-terminated string in `bytes` (the bytes of one string section). */
export function longestString(bytes: Uint8Array): number {
  let n = longest.get(bytes);
  if (n === undefined) {
    n = 0;
    let start = 0;
    for (let i = bytes.indexOf(0); i >= 0; i = bytes.indexOf(0, start)) {
      if (i - start > n) n = i - start;
      start = i + 1;
    }
    if (bytes.length - start > n) n = bytes.length - start;
    longest.set(bytes, n);
  }
  return n;
}
