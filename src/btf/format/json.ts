/**
 * The JSON dump: the same document `bpftool -j btf dump file <f> format raw` prints,
 * `{"types":[...]}` with one object per type. Keys and their order are part of the format;
 * docs/json-format.md describes each kind's object.
 *
 * {@link writeJson} writes the document straight from the wire records, as the raw dump does
 * (format/raw.ts explains the shape: one writer per kind through a table, buffer and position in
 * locals, labels as precomputed words), and copies names as bytes from the string section with
 * bpftool's escaping. {@link formatJsonType} formats one model object the same way.
 * @module
 */
import { FUNC_LINKAGE, KIND_NAMES, Kind, VAR_LINKAGE } from '../kinds.js';
import { checkRecordExtent } from '../record-bounds.js';
import type { Spec } from '../spec.js';
import { longestString } from '../string-bounds.js';
import { kindNumber, type Type } from '../types.js';
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
import { CHUNK, DumpBuffer, FIRST_CHUNK, kindWriterTable, SLACK } from './dump-buffer.js';
import { type Label, labelOf, put, putAscii, putEnumValue, putField, putInt } from './put-bytes.js';

/** Escapes a string as bpftool's JSON writer does (only `\t \n \r \f \b \\ "` are escaped). */
function str(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default:
        out += c;
    }
  }
  return `${out}"`;
}

function name(s: string): string {
  return str(s === '' ? '(anon)' : s);
}

const INT_ENCODING: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };

/** One type as a JSON object (no whitespace), from the model: the object {@link writeJson} writes. */
export function formatJsonType(t: Type): string {
  const head = `{"id":${t.id},"kind":"${KIND_NAMES[kindNumber(t.kind)] ?? 'UNKNOWN'}","name":${name(t.name)}`;
  switch (t.kind) {
    case 'int':
      return `${head},"size":${t.size},"bits_offset":${t.bitOffset},"nr_bits":${t.bits},"encoding":"${INT_ENCODING[t.encoding] ?? 'UNKN'}"}`;
    case 'ptr':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'typedef':
    case 'type_tag':
      return `${head},"type_id":${t.typeId}}`;
    case 'array':
      return `${head},"type_id":${t.typeId},"index_type_id":${t.indexTypeId},"nr_elems":${t.nelems}}`;
    case 'struct':
    case 'union': {
      const members = t.members.map(
        (m) =>
          `{"name":${name(m.name)},"type_id":${m.typeId},"bits_offset":${m.bitOffset}${
            m.bitfieldSize ? `,"bitfield_size":${m.bitfieldSize}` : ''
          }}`,
      );
      return `${head},"size":${t.size},"vlen":${members.length},"members":[${members.join(',')}]}`;
    }
    case 'enum':
    case 'enum64': {
      const values = t.values.map((v) => `{"name":${name(v.name)},"val":${v.value}}`);
      return `${head},"encoding":"${t.signed ? 'SIGNED' : 'UNSIGNED'}","size":${t.size},"vlen":${values.length},"values":[${values.join(',')}]}`;
    }
    case 'fwd':
      return `${head},"fwd_kind":"${t.fwdKind}"}`;
    case 'func':
      return `${head},"type_id":${t.typeId},"linkage":"${typeof t.linkage === 'string' ? t.linkage : '(unknown)'}"}`;
    case 'func_proto': {
      const params = t.rawParams.map((p) => `{"name":${name(p.name)},"type_id":${p.typeId}}`);
      return `${head},"ret_type_id":${t.returnTypeId},"vlen":${params.length},"params":[${params.join(',')}]}`;
    }
    case 'var':
      return `${head},"type_id":${t.typeId},"linkage":"${typeof t.linkage === 'string' ? t.linkage : '(unknown)'}"}`;
    case 'datasec': {
      const vars = t.vars.map((v) => `{"type_id":${v.typeId},"offset":${v.offset},"size":${v.size}}`);
      return `${head},"size":${t.size},"vlen":${vars.length},"vars":[${vars.join(',')}]}`;
    }
    case 'float':
      return `${head},"size":${t.size}}`;
    case 'decl_tag':
      return `${head},"type_id":${t.typeId},"component_idx":${t.componentIdx}}`;
    case 'void':
    case 'unknown':
      return `${head}}`;
  }
}

/**
 * For each byte, the letter after the backslash that bpftool's JSON writer escapes it with, or
 * 0 when the byte is copied as is (bytes >= 0x80 and other control bytes included).
 */
const ESCAPES = new Uint8Array(256);
ESCAPES[8] = 98; // \b
ESCAPES[9] = 116; // \t
ESCAPES[10] = 110; // \n
ESCAPES[12] = 102; // \f
ESCAPES[13] = 114; // \r
ESCAPES[34] = 34; // \"
ESCAPES[92] = 92; // \\

const DOC_START = labelOf('{"types":[');
const DOC_END = labelOf(']}\n');
const ID = labelOf('{"id":');
/** `,"kind":"KIND","name":"` for each kind: the text between a type's ID and its name. */
const KIND_HEADS = KIND_NAMES.map((k) => labelOf(`,"kind":"${k}","name":"`));
const UNKNOWN_HEAD = labelOf(',"kind":"UNKNOWN","name":"');
const ANON = labelOf('(anon)');
const INVALID = labelOf('(invalid)');

const Q_END = labelOf('"}');
const Q_SIZE = labelOf('","size":');
const Q_TYPE_ID = labelOf('","type_id":');
const Q_RET_TYPE_ID = labelOf('","ret_type_id":');
const Q_VAL = labelOf('","val":');
const BITS_OFFSET = labelOf(',"bits_offset":');
const BITFIELD_SIZE = labelOf(',"bitfield_size":');
const NR_BITS = labelOf(',"nr_bits":');
const INDEX_TYPE_ID = labelOf(',"index_type_id":');
const NR_ELEMS = labelOf(',"nr_elems":');
const COMPONENT_IDX = labelOf(',"component_idx":');
const VLEN = labelOf(',"vlen":');
const MEMBERS = labelOf(',"members":[');
const VALUES = labelOf(',"values":[');
const PARAMS = labelOf(',"params":[');
const VARS = labelOf(',"vars":[');
const FIRST_ITEM = labelOf('{"name":"');
const NEXT_ITEM = labelOf(',{"name":"');
const FIRST_SECINFO = labelOf('{"type_id":');
const NEXT_SECINFO = labelOf(',{"type_id":');
const OFFSET = labelOf(',"offset":');
const SIZE = labelOf(',"size":');
const Q_ENC_SIGNED = labelOf('","encoding":"SIGNED","size":');
const Q_ENC_UNSIGNED = labelOf('","encoding":"UNSIGNED","size":');
const Q_FWD_STRUCT = labelOf('","fwd_kind":"struct"}');
const Q_FWD_UNION = labelOf('","fwd_kind":"union"}');
const INT_ENCODINGS: readonly Label[] = Array.from({ length: 16 }, (_, e) =>
  labelOf(`,"encoding":"${INT_ENCODING[e] ?? 'UNKN'}"}`),
);
const FUNC_LINKAGES = FUNC_LINKAGE.map((l) => labelOf(`,"linkage":"${l}"}`));
const VAR_LINKAGES = VAR_LINKAGE.map((l) => labelOf(`,"linkage":"${l}"}`));
const LINKAGE_UNKNOWN = labelOf(',"linkage":"(unknown)"}');

/**
 * Writes the string at `off`, escaped, at `b[p]` (the caller writes the quotes), or `(anon)` for
 * the empty string; returns the position after it. A name longer than the room left flushes
 * mid-name (the buffer is the same, the position restarts).
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
  let c = s[i]!;
  if (c === 0) return put(d.view, p, ANON);
  const limit = d.nameLimit;
  let stop = i + bound;
  for (; c > 0; c = s[++i]!) {
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
    const e = ESCAPES[c]!;
    if (e === 0) b[p++] = c;
    else {
      b[p++] = 92;
      b[p++] = e;
    }
  }
  return p;
}

/** Writes `{"name":"name","type_id":N` (with a leading comma unless `first`): a member or parameter. */
function putItem(d: DumpBuffer, b: Uint8Array, p: number, first: boolean, nameOff: number, typeId: number): number {
  const v = d.view;
  return putField(v, putName(d, b, put(v, p, first ? FIRST_ITEM : NEXT_ITEM), nameOff), Q_TYPE_ID, typeId);
}

/** Writes `{"id":N,"kind":"KIND","name":"name` (the quote is left open for the next label to close). */
function putHead(d: DumpBuffer, b: Uint8Array, p: number, id: number, kind: number, nameOff: number): number {
  const v = d.view;
  p = putField(v, p, ID, id);
  p = put(v, p, KIND_HEADS[kind] ?? UNKNOWN_HEAD);
  return putName(d, b, p, nameOff);
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
  d.pos = put(v, p, INT_ENCODINGS[intEncoding(data)]!);
}

/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: a name and a type. */
function writeRef(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, infoKind(w[h + 1]!), w[h]!);
  const q = putField(v, p, Q_TYPE_ID, w[h + 2]!);
  b[q] = 125;
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
  b[p] = 125;
  d.pos = p + 1;
}

/** Closes a list and its object: `]}`. */
function putListEnd(b: Uint8Array, p: number): number {
  b[p] = 93;
  b[p + 1] = 125;
  return p + 2;
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
  p = put(v, putField(v, p, VLEN, vlen), MEMBERS);
  const limit = d.lineLimit;
  const start = h + 3;
  for (let m = start, end = m + vlen * 3; m < end; m += 3) {
    if (p > limit) {
      d.flush(p);
      p = 0;
    }
    p = putItem(d, b, p, m === start, w[m]!, w[m + 1]!);
    const off = w[m + 2]!;
    // With kind_flag, the top byte of the offset is the bitfield's size.
    p = putField(v, p, BITS_OFFSET, memberBitOffset(off, kflag));
    const bits = memberBitfieldSize(off, kflag);
    if (bits !== 0) p = putField(v, p, BITFIELD_SIZE, bits);
    b[p++] = 125;
  }
  d.pos = putListEnd(b, p);
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
  p = put(v, putField(v, p, VLEN, vlen), VALUES);
  const limit = d.lineLimit;
  const start = h + 3;
  for (let m = start, end = m + vlen * 2; m < end; m += 2) {
    if (p > limit) {
      d.flush(p);
      p = 0;
    }
    p = put(v, putName(d, b, put(v, p, m === start ? FIRST_ITEM : NEXT_ITEM), w[m]!), Q_VAL);
    p = putEnumValue(v, p, w[m + 1]!, signed);
    b[p++] = 125;
  }
  d.pos = putListEnd(b, p);
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
  p = put(v, putField(v, p, VLEN, vlen), VALUES);
  const start = h + 3;
  for (let m = start, end = m + vlen * 3; m < end; m += 3) {
    if (p > d.lineLimit) {
      d.flush(p);
      p = 0;
    }
    p = put(v, putName(d, b, put(v, p, m === start ? FIRST_ITEM : NEXT_ITEM), w[m]!), Q_VAL);
    const u = (BigInt(w[m + 2]!) << 32n) | BigInt(w[m + 1]!);
    p = putAscii(v, p, String(signed ? BigInt.asIntN(64, u) : u));
    b[p++] = 125;
  }
  d.pos = putListEnd(b, p);
}

function writeFwd(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, Kind.Fwd, w[h]!);
  d.pos = put(v, p, infoKflag(w[h + 1]!) ? Q_FWD_UNION : Q_FWD_STRUCT);
}

function writeFunc(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, Kind.Func, w[h]!);
  d.pos = put(v, putField(v, p, Q_TYPE_ID, w[h + 2]!), FUNC_LINKAGES[infoVlen(w[h + 1]!)] ?? LINKAGE_UNKNOWN);
}

function writeFuncProto(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const vlen = infoVlen(w[h + 1]!);
  let p = putHead(d, b, d.pos, id, Kind.FuncProto, w[h]!);
  p = putField(v, p, Q_RET_TYPE_ID, w[h + 2]!);
  p = put(v, putField(v, p, VLEN, vlen), PARAMS);
  const limit = d.lineLimit;
  const start = h + 3;
  for (let m = start, end = m + vlen * 2; m < end; m += 2) {
    if (p > limit) {
      d.flush(p);
      p = 0;
    }
    p = putItem(d, b, p, m === start, w[m]!, w[m + 1]!);
    b[p++] = 125;
  }
  d.pos = putListEnd(b, p);
}

function writeVar(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, Kind.Var, w[h]!);
  d.pos = put(v, putField(v, p, Q_TYPE_ID, w[h + 2]!), VAR_LINKAGES[w[h + 3]!] ?? LINKAGE_UNKNOWN);
}

function writeDatasec(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const vlen = infoVlen(w[h + 1]!);
  let p = putHead(d, b, d.pos, id, Kind.Datasec, w[h]!);
  p = putField(v, p, Q_SIZE, w[h + 2]!);
  p = put(v, putField(v, p, VLEN, vlen), VARS);
  const start = h + 3;
  for (let m = start, end = m + vlen * 3; m < end; m += 3) {
    if (p > d.lineLimit) {
      d.flush(p);
      p = 0;
    }
    p = putField(v, p, m === start ? FIRST_SECINFO : NEXT_SECINFO, w[m]!);
    p = putField(v, p, OFFSET, w[m + 1]!);
    p = putField(v, p, SIZE, w[m + 2]!);
    b[p++] = 125;
  }
  d.pos = putListEnd(b, p);
}

/** FLOAT: a name and a size. */
function writeFloat(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  const p = putHead(d, b, d.pos, id, Kind.Float, w[h]!);
  const q = putField(v, p, Q_SIZE, w[h + 2]!);
  b[q] = 125;
  d.pos = q + 1;
}

function writeDeclTag(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  const b = d.buf;
  const v = d.view;
  let p = putHead(d, b, d.pos, id, Kind.DeclTag, w[h]!);
  p = putField(v, p, Q_TYPE_ID, w[h + 2]!);
  p = putInt(v, put(v, p, COMPONENT_IDX), w[h + 3]! | 0);
  b[p] = 125;
  d.pos = p + 1;
}

/** Kinds without a body of their own, and kinds this library does not know: the head only. */
function writeHeadOnly(d: DumpBuffer, id: number, h: number): void {
  const w = d.words;
  d.pos = put(d.view, putHead(d, d.buf, d.pos, id, infoKind(w[h + 1]!), w[h]!), Q_END);
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

/**
 * Writes `{"types":[...]}` for `spec`'s own types (for a split spec, only its own, as bpftool
 * does with `-B`), then a newline. Validates the spec first. Chunks are only valid during the
 * call: a sink that keeps them must copy.
 * @throws {BtfError} if the spec is invalid.
 */
export function writeJson(spec: Spec, sink: ChunkSink): void {
  spec.validate();
  const d = new DumpBuffer(spec, sink, FIRST_CHUNK, CHUNK, SLACK, 2);
  d.pos = put(d.view, 0, DOC_START);
  const words = d.words;
  const starts = d.starts;
  const first = spec.firstId;
  const end = spec.nextId;
  for (let id = first; id < end; id++) {
    if (d.pos > d.flushAt) d.flush(d.pos);
    if (id !== first) d.buf[d.pos++] = 44;
    const local = id - first;
    const h = starts[local]!;
    checkRecordExtent(words, h, local + 1 < starts.length ? starts[local + 1]! : words.length, id);
    (WRITERS[infoKind(words[h + 1]!)] ?? writeHeadOnly)(d, id, h);
  }
  d.pos = put(d.view, d.pos, DOC_END);
  d.flush(d.pos);
}
