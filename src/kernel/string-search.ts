/**
 * Finding a name in BTF bytes without decoding them: the offsets at which a string section
 * holds exactly `name`, or a name whose CO-RE essential part is `name`.
 * @module
 */
import { essentialBytes } from '../core/candidates.js';

const UNDERSCORE = 0x5f;

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

/**
 * The local offsets in a string section of the strings whose CO-RE essential name is the
 * needle's (`essential` itself, or `essential___flavour`): one native search for the name's
 * bytes finds both. With `first`, stops at the first such string.
 * @param prefix - the essential name as UTF-8, without a terminating NUL.
 */
export function essentialOffsets(section: Uint8Array, prefix: Uint8Array, first = false): number[] {
  const out: number[] = [];
  const len = prefix.byteLength;
  if (len === 0) return out;
  const hay = asBuffer(section);
  const end = hay.byteLength;
  // A string equal to the needle counts only if the needle has no flavour itself.
  const exact = essentialBytes(prefix, 0, len) === len;
  for (let p = hay.indexOf(prefix); p >= 0 && p + len < end; p = hay.indexOf(prefix, p + 1)) {
    if (p !== 0 && hay[p - 1] !== 0) continue;
    const after = hay[p + len];
    if (after === 0) {
      if (!exact) continue;
    } else {
      if (after !== UNDERSCORE || hay[p + len + 1] !== UNDERSCORE || hay[p + len + 2] !== UNDERSCORE) continue;
      let stop = hay.indexOf(0, p + len);
      if (stop < 0) stop = end;
      if (essentialBytes(hay, p, stop) !== len) continue;
    }
    out.push(p);
    if (first) break;
  }
  return out;
}
