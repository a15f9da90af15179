/**
 * The longest string of a string section, measured while its bytes are as validation saw them,
 * so loops over names can stop there if the bytes change later (a string section whose NULs were
 * overwritten would otherwise make every name run to the end of the section: quadratic time and
 * memory). Measured once per section (one pass over its bytes), on first use or by validation.
 * @module
 */

const longest = new WeakMap<Uint8Array, number>();
const nuls = new WeakMap<Uint8Array, number>();

/** Length of the longest NUL-terminated string in `bytes` (the bytes of one string section). */
export function longestString(bytes: Uint8Array): number {
  let n = longest.get(bytes);
  if (n === undefined) {
    n = measure(bytes);
    longest.set(bytes, n);
  }
  return n;
}

/** How many NUL bytes `bytes` (one string section) holds: one per string, bar an unterminated last. */
export function nulCount(bytes: Uint8Array): number {
  let n = nuls.get(bytes);
  if (n === undefined) {
    n = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) n++;
    nuls.set(bytes, n);
  }
  return n;
}

/**
 * Records what a pass that read every byte of `bytes` found (its longest run of non-NUL bytes
 * and its NUL count), so that {@link longestString} and {@link nulCount} need no pass of their
 * own: validation reads every byte of a string section to judge its names, and a merge on
 * vmlinux then read its 1.8 MB twice more before the code that does it was warm.
 */
export function noteStringBounds(bytes: Uint8Array, longestRun: number, nulBytes: number): void {
  longest.set(bytes, longestRun);
  nuls.set(bytes, nulBytes);
}

/**
 * The longest run of non-NUL bytes. A plain loop over the bytes: a search for each NUL
 * (`indexOf`) costs a call per string, some 200,000 for vmlinux, which before the code warms up
 * was slower than looking at every byte.
 */
function measure(bytes: Uint8Array): number {
  let n = 0;
  let start = 0;
  const len = bytes.length;
  for (let i = 0; i < len; i++) {
    if (bytes[i] !== 0) continue;
    if (i - start > n) n = i - start;
    start = i + 1;
  }
  return Math.max(len - start, n);
}
