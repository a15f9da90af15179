/**
 * UTF-8 decoding without `TextDecoder` (which is not part of the ES library this pure folder
 * is typed against). ELF names are nearly always ASCII, so that case is the fast path.
 *
 * @module
 */

const CHUNK = 8192;

/**
 * Decodes `bytes[start, end)` as UTF-8. Malformed sequences decode to U+FFFD, one per maximal
 * invalid subpart, as the WHATWG decoder does in replacement mode; decoding never throws.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    if (end - start <= CHUNK) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
    let out = '';
    for (let i = start; i < end; i += CHUNK) {
      out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
    }
    return out;
  }
  return decodeSlow(bytes, start, end);
}

function decodeSlow(bytes: Uint8Array, start: number, end: number): string {
  const units: number[] = [];
  let out = '';
  let i = start;
  while (i < end) {
    const b0 = bytes[i] as number;
    i++;
    let cp = 0xfffd;
    if (b0 < 0x80) {
      cp = b0;
    } else {
      // Continuation count and the allowed range of the second byte, which excludes overlong
      // forms, UTF-16 surrogates and values past U+10FFFF (the WHATWG decoder's table).
      let need = 0;
      let lo = 0x80;
      let hi = 0xbf;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        cp = b0 & 0x1f;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        cp = b0 & 0x0f;
        if (b0 === 0xe0) lo = 0xa0;
        if (b0 === 0xed) hi = 0x9f;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 === 0xf0) lo = 0x90;
        if (b0 === 0xf4) hi = 0x8f;
      }
      if (need === 0) {
        cp = 0xfffd;
      } else {
        // A bad or missing continuation ends the sequence with one U+FFFD for the valid
        // prefix read so far; the offending byte is decoded afresh.
        for (; need > 0; need--) {
          const b = i < end ? (bytes[i] as number) : -1;
          if (b < lo || b > hi) {
            cp = 0xfffd;
            break;
          }
          cp = (cp << 6) | (b & 0x3f);
          i++;
          lo = 0x80;
          hi = 0xbf;
        }
      }
    }
    if (cp >= 0x10000) {
      const v = cp - 0x10000;
      units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

/** Encodes `s` as UTF-8 (the inverse of {@link decodeUtf8} for well-formed strings). */
export function encodeUtf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
