/**
 * A deliberately low-level BTF encoder for tests: it writes whatever records it is given,
 * valid or not, so tests can build the malformed blobs a real Builder refuses to write.
 */
import type { Spec } from '../../src/btf/index.js';

const KINDS: Record<string, number> = {
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  union: 5,
  enum: 6,
  fwd: 7,
  typedef: 8,
  volatile: 9,
  const: 10,
  restrict: 11,
  func: 12,
  func_proto: 13,
  var: 14,
  datasec: 15,
  float: 16,
  decl_tag: 17,
  type_tag: 18,
  enum64: 19,
};

/** One record. `extra` words follow the 12-byte head verbatim; names are added to the string table. */
export interface RawType {
  kind: keyof typeof KINDS | number;
  name?: string;
  /** INT */
  size?: number;
  encoding?: number;
  bits?: number;
  /** PTR, TYPEDEF, ... */
  type?: number;
  vlen?: number;
  kflag?: boolean;
  /** struct/union members: name, type, bit offset */
  members?: { name: string; type: number; offset: number }[];
  /** enum enumerators (32-bit values) */
  values?: { name: string; val: number }[];
  /** func_proto params */
  params?: { name: string; type: number }[];
  /** Words after the head, for kinds not covered above (array, var, decl_tag, ...). */
  extra?: number[];
  /** Overrides the name offset (for out-of-range tests). */
  nameOff?: number;
}

export interface EncodeOptions {
  types: RawType[];
  base?: Spec;
  littleEndian?: boolean;
  /** Header length (24 classic, 32 with layout fields). */
  hdrLen?: number;
  /** Layout entries (info_sz, elem_sz) per kind, written as the layout section. */
  layout?: [number, number][];
}

/** Encodes `types` into a BTF blob (split on `base` when given). */
export function encodeBtf(opts: EncodeOptions): Uint8Array {
  const le = opts.littleEndian ?? true;
  const strStart = opts.base ? opts.base.strings.end : 0;
  const strs: number[] = opts.base ? [] : [0];
  const offsets = new Map<string, number>();
  const str = (s: string | undefined): number => {
    if (!s) return 0;
    const known = offsets.get(s);
    if (known !== undefined) return known;
    const off = strStart + strs.length;
    for (const c of Buffer.from(s)) strs.push(c);
    strs.push(0);
    offsets.set(s, off);
    return off;
  };
  const words: number[] = [];
  for (const t of opts.types) {
    const kind = typeof t.kind === 'number' ? t.kind : KINDS[t.kind]!;
    const vlen = t.vlen ?? t.members?.length ?? t.params?.length ?? t.values?.length ?? 0;
    const info = ((t.kflag ? 1 : 0) << 31) | (kind << 24) | vlen;
    words.push(t.nameOff ?? str(t.name), info >>> 0, t.type ?? t.size ?? 0);
    if (kind === 1) words.push(((t.encoding ?? 0) << 24) | (t.bits ?? (t.size ?? 4) * 8));
    for (const m of t.members ?? []) words.push(str(m.name), m.type, m.offset);
    for (const p of t.params ?? []) words.push(str(p.name), p.type);
    for (const e of t.values ?? []) words.push(str(e.name), e.val);
    words.push(...(t.extra ?? []));
  }
  const hdrLen = opts.hdrLen ?? 24;
  const layoutBytes = (opts.layout ?? []).length * 4;
  const typeLen = words.length * 4;
  const buf = new Uint8Array(hdrLen + typeLen + strs.length + layoutBytes);
  const v = new DataView(buf.buffer);
  v.setUint16(0, 0xeb9f, le);
  v.setUint8(2, 1);
  v.setUint32(4, hdrLen, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, typeLen, le);
  v.setUint32(16, typeLen, le);
  v.setUint32(20, strs.length, le);
  if (hdrLen >= 32) {
    v.setUint32(24, typeLen + strs.length, le);
    v.setUint32(28, layoutBytes, le);
  }
  for (const [i, w] of words.entries()) v.setUint32(hdrLen + i * 4, w >>> 0, le);
  buf.set(strs, hdrLen + typeLen);
  (opts.layout ?? []).forEach(([info, elem], i) => {
    v.setUint8(hdrLen + typeLen + strs.length + i * 4, info);
    v.setUint8(hdrLen + typeLen + strs.length + i * 4 + 1, elem);
  });
  return buf;
}
