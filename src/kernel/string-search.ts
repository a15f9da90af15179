/**
 * Finding a name in BTF bytes without decoding them: the offsets at which a string section
 * holds exactly `name`.
 * @module
 */

/** `name` as UTF-8 followed by NUL: the needle {@link stringOffsets} searches for. */
export function needleOf(name: string): Uint8Array {
  return Buffer.from(`${name}\0`, 'utf8');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The local offsets in a string section at which a string equal to the needle's name starts
 * (the needle must start a string: preceded by NUL, or at offset 0).
 * @param needle - from {@link needleOf}.
 */
export function stringOffsets(section: Uint8Array, needle: Uint8Array): number[] {
  const out: number[] = [];
  if (needle.byteLength <= 1) return out;
  const hay = asBuffer(section);
  for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) {
    if (p === 0 || hay[p - 1] === 0) out.push(p);
  }
  return out;
}
