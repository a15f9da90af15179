/**
 * The raw text dump, byte for byte as `bpftool btf dump file <f> format raw` prints it. It reads
 * wire records directly and copies names as bytes from the string section (as bpftool's printf
 * does), so dumping vmlinux allocates no per-type objects.
 *
 * Dumping vmlinux writes ~300,000 lines (12 MB), mostly in a process that has just started, so
 * the code is shaped for V8's tiers as much as for speed once optimized:
 * - one small writer function per kind, called through a table: a kind first met late in the
 *   file (vmlinux's FUNCs start halfway, its DATASEC is last) compiles on its own instead of
 *   deoptimizing one big switch that already runs optimized;
 * - the writers keep the output buffer and position in locals and pass them to tiny helpers that
 *   work on plain numbers and byte arrays, which V8 inlines without property lookups;
 * - fixed text is precomputed (`] STRUCT '`, `' type_id=`) and copied four bytes per store
 *   (put-bytes.ts), so a member line takes five helper calls, and numbers are written two
 *   digits per store from a table.
 * @module
 */

import { FUNC_LINKAGE, KIND_NAMES, Kind, VAR_LINKAGE } from '../kinds.js';
import { checkRecordExtent } from '../record-bounds.js';
import type { Spec } from '../spec.js';
import { longestString } from '../string-bounds.js';
import {
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  memberBitfieldSize,
  memberBitOffset,
} from '../wire.js';
import type { ChunkSink } from './byte-writer.js';
import { toText } from './byte-writer.js';
import { CHUNK, DumpBuffer, FIRST_CHUNK, kindWriterTable, LINE_MAX, SLACK } from './dump-buffer.js';
import { type Label, labelOf, put, putEnumValue, putField, putInt, putUint } from './put-bytes.js';

/** `] KIND '` for each kind: the text between a type's ID and its name. */
const KIND_HEADS = KIND_NAMES.map((k) => labelOf(`] ${k} '`));
const UNKNOWN_HEAD = labelOf("] UNKNOWN '");
const KIND_LABELS = KIND_NAMES.map((k) => labelOf(` (${k} '`));
const UNKNOWN_LABEL = labelOf(" (UNKNOWN '");
const ANON = labelOf('(anon)');
const INVALID = labelOf('(invalid)');

const Q_SIZE = labelOf("' size=");
const Q_TYPE_ID = labelOf("' type_id=");
const Q_RET_TYPE_ID = labelOf("' ret_type_id=");
const Q_VAL = labelOf("' val=");
const Q = labelOf("'");
const VLEN = labelOf(' vlen=');
const BITS_OFFSET = labelOf(' bits_offset=');
const BITFIELD_SIZE = labelOf(' bitfield_size=');
const NR_BITS = labelOf(' nr_bits=');
const INDEX_TYPE_ID = labelOf(' index_type_id=');
const NR_ELEMS = labelOf(' nr_elems=');
const COMPONENT_IDX = labelOf(' component_idx=');
const MEMBER = labelOf("\n\t'");
const SECINFO = labelOf('\n\ttype_id=');
const OFFSET = labelOf(' offset=');
const SIZE = labelOf(' size=');
const Q_ENC_SIGNED = labelOf("' encoding=SIGNED size=");
const Q_ENC_UNSIGNED = labelOf("' encoding=UNSIGNED size=");
const Q_FWD_STRUCT = labelOf("' fwd_kind=struct");
const Q_FWD_UNION = labelOf("' fwd_kind=union");
const INT_ENCODINGS: readonly Label[] = [];
for (let e = 0; e < 16; e++) {
  const name = e === 0 ? '(none)' : e === 1 ? 'SIGNED' : e === 2 ? 'CHAR' : e === 4 ? 'BOOL' : undefined;
  (INT_ENCODINGS as Label[]).push(labelOf(name ? ` encoding=${name}` : ' encoding=UNKN'));
}
const FUNC_LINKAGES = FUNC_LINKAGE.map((l) => labelOf(` linkage=${l}`));
const FUNC_LINKAGE_UNKNOWN = labelOf(' linkage=(unknown)');
const VAR_LINKAGES = VAR_LINKAGE.map((l) => labelOf(`, linkage=${l}`));
const VAR_LINKAGE_UNKNOWN = labelOf(', linkage=(unknown)');

/**
 * Writes the string at `off` (without quotes) at `b[p]`; returns the position after it. A name
 * longer than the room left flushes mid-name (the buffer is the same, the position restarts).
 */
function putName(d: DumpBuffer, b: Uint8Array, p: number, off: number): number {
  let s = d.strs;
  let i = off - d.strStart;
  let bound = d.strsBound;
  if (i < 0 || i >= s.length) {
    // A base's string (split BTF), or an offset past every table (an unvalidated spec).
    const t = d.strings.tableOf(off);
    if (!t) return put(d.view, p, INVALID);
    s = t.bytes;
    i = off - t.start;
    bound = longestString(s);
  }
  const limit = d.nameLimit;
  let stop = i + bound;
  for (let c = s[i]!; c > 0; c = s[++i]!) {
    if (i >= stop) {
      // The provisional bound reached (dump-buffer.ts, NAME_PROBE): measure, or cut the name.
      if (s !== d.strs || !d.strsProvisional) break;
      stop += d.measureStrs() - bound;
      if (i >= stop) break;
    }
    if (p >= limit) {
      d.flush(p);
      p = 0;
    }
    if (c >= 0x20 && c !== 0x7f && c !== 0x5c) b[p++] = c;
    else p = putEscape(b, p, c);
  }
  return p;
}

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/**
 * Writes a control byte as `\xNN` and a backslash as `\\`: names the kernel does not check (INT
 * names, tag values) may hold a line break, which must not start a forged line of the dump.
 */
function putEscape(b: Uint8Array, p: number, c: number): number {
  b[p++] = 0x5c;
  if (c === 0x5c) {
    b[p++] = 0x5c;
    return p;
  }
  b[p++] = 0x78;
  b[p++] = HEX[c >>> 4]!;
  b[p++] = HEX[c & 15]!;
  return p;
}

/** {@link putName}, writing `(anon)` for the empty name as bpftool's btf_str() does. */
function putNameOrAnon(d: DumpBuffer, b: Uint8Array, p: number, off: number): number {
  return off === 0 ? put(d.view, p, ANON) : putName(d, b, p, off);
}

/**
 * Writes `\n\t'name' type_id=N`: a FUNC_PROTO parameter, and the start of a STRUCT member. Whole
 * lines in one call get hot (and compiled) early, long before the writer looping over them.
 */
function putMember(d: DumpBuffer, b: Uint8Array, p: number, nameOff: number, typeId: number): number {
  const v = d.view;
  return putField(v, putNameOrAnon(d, b, put(v, p, MEMBER), nameOff), Q_TYPE_ID, typeId);
}

/** Writes `[id] KIND 'name` (the quote is left open for the next label to close). */
function putHead(d: DumpBuffer, b: Uint8Array, p: number, id: number, kind: number, nameOff: number): number {
  const v = d.view;
  b[p] = 91;
  p = putUint(v, p + 1, id);
  p = put(v, p, KIND_HEADS[kind] ?? UNKNOWN_HEAD);
  return putNameOrAnon(d, b, p, nameOff);
}

function writeInt(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  let p = putHead(d, b, d.pos, id, Kind.Int, w[h]!);
  const data = w[h + 3]!;
  p = putField(v, p, Q_SIZE, w[h + 2]!);
  p = putField(v, p, BITS_OFFSET, intBitOffset(data));
  p = putField(v, p, NR_BITS, intBits(data));
  p = put(v, p, INT_ENCODINGS[intEncoding(data)]!);
  b[p] = 10;
  d.pos = p + 1;
}

/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: a name and a type. */
function writeRef(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, infoKind(w[h + 1]!), w[h]!);
  const q = putField(v, p, Q_TYPE_ID, w[h + 2]!);
  b[q] = 10;
  d.pos = q + 1;
}

function writeArray(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  let p = putHead(d, b, d.pos, id, Kind.Array, w[h]!);
  p = putField(v, p, Q_TYPE_ID, w[h + 3]!);
  p = putField(v, p, INDEX_TYPE_ID, w[h + 4]!);
  p = putField(v, p, NR_ELEMS, w[h + 5]!);
  b[p] = 10;
  d.pos = p + 1;
}

/** STRUCT and UNION. */
function writeComposite(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const info = w[h + 1]!;
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  let p = putHead(d, b, d.pos, id, infoKind(info), w[h]!);
  p = putField(v, p, Q_SIZE, w[h + 2]!);
  p = putField(v, p, VLEN, vlen);
  const limit = d.lineLimit;
  for (let m = h + 3, end = m + vlen * 3; m < end; m += 3) {
    if (p > limit) {
      d.flush(p);
      p = 0;
    }
    p = putMember(d, b, p, w[m]!, w[m + 1]!);
    const off = w[m + 2]!;
    // With kind_flag, the top byte of the offset is the bitfield's size.
    p = putField(v, p, BITS_OFFSET, memberBitOffset(off, kflag));
    const bits = memberBitfieldSize(off, kflag);
    if (bits !== 0) p = putField(v, p, BITFIELD_SIZE, bits);
  }
  b[p] = 10;
  d.pos = p + 1;
}

function writeEnum(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const info = w[h + 1]!;
  const vlen = infoVlen(info);
  const signed = infoKflag(info);
  let p = putHead(d, b, d.pos, id, Kind.Enum, w[h]!);
  p = putField(v, p, signed ? Q_ENC_SIGNED : Q_ENC_UNSIGNED, w[h + 2]!);
  p = putField(v, p, VLEN, vlen);
  const limit = d.lineLimit;
  for (let m = h + 3, end = m + vlen * 2; m < end; m += 2) {
    if (p > limit) {
      d.flush(p);
      p = 0;
    }
    p = putNameOrAnon(d, b, put(v, p, MEMBER), w[m]!);
    p = put(v, p, Q_VAL);
    p = putEnumValue(v, p, w[m + 1]!, signed);
  }
  b[p] = 10;
  d.pos = p + 1;
}

/** ENUM64: rare, so its 64-bit values go through BigInt and a string. */
function writeEnum64(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const info = w[h + 1]!;
  const vlen = infoVlen(info);
  const signed = infoKflag(info);
  let p = putHead(d, b, d.pos, id, Kind.Enum64, w[h]!);
  p = putField(v, p, signed ? Q_ENC_SIGNED : Q_ENC_UNSIGNED, w[h + 2]!);
  p = putField(v, p, VLEN, vlen);
  for (let m = h + 3, end = m + vlen * 3; m < end; m += 3) {
    if (p > d.lineLimit) {
      d.flush(p);
      p = 0;
    }
    p = putNameOrAnon(d, b, put(v, p, MEMBER), w[m]!);
    const u = (BigInt(w[m + 2]!) << 32n) | BigInt(w[m + 1]!);
    p = put(v, p, labelOf(signed ? `' val=${BigInt.asIntN(64, u)}LL` : `' val=${u}ULL`));
  }
  b[p] = 10;
  d.pos = p + 1;
}

function writeFwd(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, Kind.Fwd, w[h]!);
  const q = put(v, p, infoKflag(w[h + 1]!) ? Q_FWD_UNION : Q_FWD_STRUCT);
  b[q] = 10;
  d.pos = q + 1;
}

function writeFunc(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  let p = putHead(d, b, d.pos, id, Kind.Func, w[h]!);
  p = putField(v, p, Q_TYPE_ID, w[h + 2]!);
  p = put(v, p, FUNC_LINKAGES[infoVlen(w[h + 1]!)] ?? FUNC_LINKAGE_UNKNOWN);
  b[p] = 10;
  d.pos = p + 1;
}

function writeFuncProto(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const vlen = infoVlen(w[h + 1]!);
  let p = putHead(d, b, d.pos, id, Kind.FuncProto, w[h]!);
  p = putField(v, p, Q_RET_TYPE_ID, w[h + 2]!);
  p = putField(v, p, VLEN, vlen);
  const limit = d.lineLimit;
  for (let m = h + 3, end = m + vlen * 2; m < end; m += 2) {
    if (p > limit) {
      d.flush(p);
      p = 0;
    }
    p = putMember(d, b, p, w[m]!, w[m + 1]!);
  }
  b[p] = 10;
  d.pos = p + 1;
}

function writeVar(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  let p = putHead(d, b, d.pos, id, Kind.Var, w[h]!);
  p = putField(v, p, Q_TYPE_ID, w[h + 2]!);
  p = put(v, p, VAR_LINKAGES[w[h + 3]!] ?? VAR_LINKAGE_UNKNOWN);
  b[p] = 10;
  d.pos = p + 1;
}

function writeDatasec(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const vlen = infoVlen(w[h + 1]!);
  let p = putHead(d, b, d.pos, id, Kind.Datasec, w[h]!);
  p = putField(v, p, Q_SIZE, w[h + 2]!);
  p = putField(v, p, VLEN, vlen);
  for (let m = h + 3, end = m + vlen * 3; m < end; m += 3) {
    if (p > d.lineLimit) {
      d.flush(p);
      p = 0;
    }
    const vt = w[m]!;
    p = putField(v, p, SECINFO, vt);
    p = putField(v, p, OFFSET, w[m + 1]!);
    p = putField(v, p, SIZE, w[m + 2]!);
    // bpftool names the variable when its ID is in range, printing an empty name as ''.
    const owner = d.spec.specOf(vt);
    if (owner) {
      const k = owner.section.kind(vt - owner.firstId);
      p = putName(d, b, put(v, p, KIND_LABELS[k] ?? UNKNOWN_LABEL), owner.section.nameOff(vt - owner.firstId));
      b[p++] = 39;
      b[p++] = 41;
    }
  }
  b[p] = 10;
  d.pos = p + 1;
}

/** FLOAT: a name and a size. */
function writeFloat(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, Kind.Float, w[h]!);
  const q = putField(v, p, Q_SIZE, w[h + 2]!);
  b[q] = 10;
  d.pos = q + 1;
}

function writeDeclTag(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  let p = putHead(d, b, d.pos, id, Kind.DeclTag, w[h]!);
  p = putField(v, p, Q_TYPE_ID, w[h + 2]!);
  p = putInt(v, put(v, p, COMPONENT_IDX), w[h + 3]! | 0);
  b[p] = 10;
  d.pos = p + 1;
}

/** Kinds without a body of their own, and kinds this library does not know: the head only. */
function writeHeadOnly(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, infoKind(w[h + 1]!), w[h]!);
  const q = put(v, p, Q);
  b[q] = 10;
  d.pos = q + 1;
}

/** The writer of each kind number; kinds past the end use {@link writeHeadOnly}. */
const WRITERS = kindWriterTable({
  headOnly: writeHeadOnly,
  int: writeInt,
  ref: writeRef,
  array: writeArray,
  composite: writeComposite,
  enum: writeEnum,
  enum64: writeEnum64,
  fwd: writeFwd,
  func: writeFunc,
  funcProto: writeFuncProto,
  var: writeVar,
  datasec: writeDatasec,
  float: writeFloat,
  declTag: writeDeclTag,
});

/** Writes type `id` of the dump's spec (which must own it), with its newline. */
function writeType(d: DumpBuffer, id: number): void {
  const local = id - d.firstId;
  const h = d.starts[local]!;
  checkRecordExtent(d.words, h, local + 1 < d.starts.length ? d.starts[local + 1]! : d.words.length, id);
  (WRITERS[infoKind(d.words[h + 1]!)] ?? writeHeadOnly)(d, id, h);
}

/**
 * Writes the raw dump of `spec`'s own types (for a split spec, only its own, as bpftool does
 * with `-B`). Validates the spec first.
 * @throws {BtfError} if the spec is invalid.
 */
export function writeRaw(spec: Spec, sink: ChunkSink): void {
  spec.validate();
  const d = new DumpBuffer(spec, sink, FIRST_CHUNK, CHUNK, SLACK, 4);
  const end = spec.nextId;
  for (let id = spec.firstId; id < end; id++) {
    if (d.pos > d.flushAt) d.flush(d.pos);
    writeType(d, id);
  }
  d.flush(d.pos);
}

/** The raw dump of one type, without the trailing newline; '' if `spec` has no such ID. */
export function formatRawType(spec: Spec, id: number): string {
  const owner = spec.specOf(id);
  if (!owner) return '';
  return toText((sink) => {
    const d = new DumpBuffer(owner, sink, 0, 0, 4 * LINE_MAX, 4);
    writeType(d, id);
    d.flush(d.pos);
  }).slice(0, -1);
}

/** The whole raw dump as a string (for tests and small specs). */
export function formatRaw(spec: Spec): string {
  return toText((sink) => writeRaw(spec, sink));
}
