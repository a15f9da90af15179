/**
 * Whether split BTF fits the base it is opened on, judged from its string references: a
 * module's BTF is written with string offsets that continue after its own vmlinux's string
 * section, so on another vmlinux (whose strings differ in length and order) its names land
 * inside other strings or past the end. BTF writers (pahole, libbpf, tsbpf) only ever
 * reference a string at its start, so a single name that starts inside another string is the
 * mark of a wrong base; types that fail validation alone could also be plain corruption.
 * @module
 */
import { parseHeader, viewOf } from './header.js';
import type { Spec } from './spec.js';
import { HOST_LE } from './type-table.js';
import { BODY_AT, forEachStr, infoKind, isKnownKind, recordWordsAt } from './wire.js';

/** What {@link splitBaseMisfit} found. */
export interface SplitBaseMisfit {
  /** Names (type, member, enumerator, parameter) the split BTF's records carry. */
  names: number;
  /** Of them, those starting inside a string of the base or of the split's own section. */
  inside: number;
  /** Of them, those past the end of all strings. */
  past: number;
}

/** The string bytes of `spec` and its bases, as the offsets of a split on it count them. */
function chainBytes(spec: Spec): Uint8Array[] {
  return spec.base ? [...chainBytes(spec.base), spec.strings.bytes] : [spec.strings.bytes];
}

/**
 * Checks the names of raw split BTF `bytes` against `base`: undefined when every name starts
 * a string (or the bytes cannot be walked that far: malformed BTF is for the parser to report),
 * otherwise how many do not.
 */
export function splitBaseMisfit(bytes: Uint8Array, base: Spec): SplitBaseMisfit | undefined {
  let h: ReturnType<typeof parseHeader>;
  try {
    h = parseHeader(bytes);
  } catch {
    return undefined;
  }
  const nWords = h.typeLen >>> 2;
  const w = new Uint32Array(nWords);
  const view = viewOf(bytes);
  if (h.littleEndian === HOST_LE && (bytes.byteOffset + h.typeOff) % 4 === 0) {
    w.set(new Uint32Array(bytes.buffer, bytes.byteOffset + h.typeOff, nWords));
  } else {
    for (let i = 0; i < nWords; i++) w[i] = view.getUint32(h.typeOff + 4 * i, h.littleEndian);
  }
  const baseParts = chainBytes(base);
  const baseLen = baseParts.reduce((n, p) => n + p.byteLength, 0);
  const own = bytes.subarray(h.strOff, h.strOff + h.strLen);
  /** The byte before offset `off` of the strings a split on `base` sees (0 at the very start). */
  const before = (off: number): number => {
    if (off >= baseLen) return off === baseLen ? 0 : (own[off - baseLen - 1] as number);
    let at = off;
    for (const p of baseParts) {
      if (at < p.byteLength) return at === 0 ? 0 : (p[at - 1] as number);
      at -= p.byteLength;
    }
    return 0;
  };
  const found: SplitBaseMisfit = { names: 0, inside: 0, past: 0 };
  for (let o = 0; o + 2 <= nWords; ) {
    const kind = infoKind(w[o + 1] as number);
    if (!isKnownKind(kind)) break;
    const len = recordWordsAt(w, o);
    if (len < (BODY_AT[kind] as number) || o + len > nWords) break;
    forEachStr(w, o, (pos) => {
      const off = w[pos] as number;
      if (off === 0) return;
      found.names++;
      if (off >= baseLen + own.byteLength) found.past++;
      else if (before(off) !== 0) found.inside++;
    });
    o += len;
  }
  return found.inside + found.past > 0 ? found : undefined;
}

/** A phrase for a message: what {@link splitBaseMisfit} found. */
export function describeMisfit(m: SplitBaseMisfit): string {
  const parts: string[] = [];
  if (m.inside > 0) parts.push(`${m.inside} start inside other strings`);
  if (m.past > 0) parts.push(`${m.past} lie past the strings`);
  return `Of its ${m.names} names, ${parts.join(' and ')}`;
}
