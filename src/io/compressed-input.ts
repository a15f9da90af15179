/**
 * Telling a compressed file from its first bytes, so that an input that is not BTF because it
 * is still compressed (btfhub ships `.tar.xz`, distributions `.ko.xz`/`.ko.zst`) is named as
 * such instead of as a bad magic number.
 * @module
 */

/** Magic numbers of the compressed formats kernel BTF and modules are shipped in. */
const MAGICS: readonly (readonly [string, readonly number[]])[] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
];

/**
 * The compression format `head` (a file's first bytes) starts with, or undefined. Brotli has
 * no magic number and is not recognised.
 */
export function compressionOf(head: Uint8Array): string | undefined {
  for (const [name, magic] of MAGICS) {
    if (head.byteLength >= magic.length && magic.every((b, i) => head[i] === b)) return name;
  }
  return undefined;
}
