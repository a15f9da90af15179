/**
 * The raw text dump, byte for byte as `bpftool btf dump file <f> format raw` prints it. It reads
 * wire records directly and copies names as bytes from the string section (as bpftool's printf
 * does), so dumping vmlinux allocates no per-type objects.
 * @module
 */

import { FUNC_LINKAGE, KIND_NAMES, Kind, VAR_LINKAGE } from '../kinds.js';
import type { Spec } from '../spec.js';
import { infoKflag, infoKind, infoVlen } from '../type-section.js';
import { ByteWriter, type ChunkSink, toText } from './byte-writer.js';

const INT_ENCODING: Record<number, string> = {
  0: ' encoding=(none)',
  1: ' encoding=SIGNED',
  2: ' encoding=CHAR',
  4: ' encoding=BOOL',
};
/** `] KIND ` for each kind, so the hot loop builds no strings. */
const KIND_LABELS = KIND_NAMES.map((k) => `] ${k} `);
const FUNC_LINKAGE_LABELS = FUNC_LINKAGE.map((l) => ` linkage=${l}`);
const VAR_LINKAGE_LABELS = VAR_LINKAGE.map((l) => `, linkage=${l}`);
const NEWLINE = 10;

/** Writes `'name'`, or `'(anon)'` for offset 0, as bpftool's btf_str() does. */
function name(w: ByteWriter, spec: Spec, off: number, anon = "'(anon)'"): void {
  if (off === 0) {
    w.ascii(anon);
    return;
  }
  const table = spec.strings.tableOf(off);
  if (table) w.quoted(table.bytes, off - table.start);
  else w.ascii("'(invalid)'");
}

/** Writes type `id` of `spec` (which must own it) in bpftool's raw form, with a newline. */
function writeType(w: ByteWriter, spec: Spec, id: number): void {
  const s = spec.section;
  const i = id - spec.firstId;
  const words = s.words;
  const head = s.starts[i]!;
  /** Word index of the first word after the 12-byte record head. */
  const body = head + 3;
  const info = words[head + 1]!;
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const st = words[head + 2]!;
  w.byte(91);
  w.uint(id);
  w.ascii(KIND_LABELS[kind] ?? '] UNKNOWN ');
  name(w, spec, words[head]!);
  switch (kind) {
    case Kind.Int: {
      const v = words[body]!;
      w.field(' size=', st);
      w.field(' bits_offset=', (v >>> 16) & 0xff);
      w.field(' nr_bits=', v & 0xff);
      w.ascii(INT_ENCODING[(v >>> 24) & 0x0f] ?? ' encoding=UNKN');
      break;
    }
    case Kind.Ptr:
    case Kind.Const:
    case Kind.Volatile:
    case Kind.Restrict:
    case Kind.Typedef:
    case Kind.TypeTag:
      w.field(' type_id=', st);
      break;
    case Kind.Array:
      w.field(' type_id=', words[body]!);
      w.field(' index_type_id=', words[body + 1]!);
      w.field(' nr_elems=', words[body + 2]!);
      break;
    case Kind.Struct:
    case Kind.Union:
      w.field(' size=', st);
      w.field(' vlen=', vlen);
      for (let j = 0; j < vlen; j++) {
        const off = words[body + j * 3 + 2]!;
        w.ascii('\n\t');
        name(w, spec, words[body + j * 3]!);
        w.field(' type_id=', words[body + j * 3 + 1]!);
        w.field(' bits_offset=', kflag ? off & 0xffffff : off);
        if (kflag && off >>> 24 !== 0) {
          w.field(' bitfield_size=', off >>> 24);
        }
      }
      break;
    case Kind.Enum:
      w.ascii(kflag ? ' encoding=SIGNED size=' : ' encoding=UNSIGNED size=');
      w.uint(st);
      w.field(' vlen=', vlen);
      for (let j = 0; j < vlen; j++) {
        w.ascii('\n\t');
        name(w, spec, words[body + j * 2]!);
        w.ascii(' val=');
        if (kflag) w.int(words[body + j * 2 + 1]! | 0);
        else w.uint(words[body + j * 2 + 1]!);
      }
      break;
    case Kind.Enum64:
      w.ascii(kflag ? ' encoding=SIGNED size=' : ' encoding=UNSIGNED size=');
      w.uint(st);
      w.field(' vlen=', vlen);
      for (let j = 0; j < vlen; j++) {
        w.ascii('\n\t');
        name(w, spec, words[body + j * 3]!);
        const u = (BigInt(words[body + j * 3 + 2]!) << 32n) | BigInt(words[body + j * 3 + 1]!);
        w.ascii(kflag ? ` val=${BigInt.asIntN(64, u)}LL` : ` val=${u}ULL`);
      }
      break;
    case Kind.Fwd:
      w.ascii(kflag ? ' fwd_kind=union' : ' fwd_kind=struct');
      break;
    case Kind.Func:
      w.field(' type_id=', st);
      w.ascii(FUNC_LINKAGE_LABELS[vlen] ?? ' linkage=(unknown)');
      break;
    case Kind.FuncProto:
      w.field(' ret_type_id=', st);
      w.field(' vlen=', vlen);
      for (let j = 0; j < vlen; j++) {
        w.ascii('\n\t');
        name(w, spec, words[body + j * 2]!);
        w.field(' type_id=', words[body + j * 2 + 1]!);
      }
      break;
    case Kind.Var:
      w.field(' type_id=', st);
      w.ascii(VAR_LINKAGE_LABELS[words[body]!] ?? ', linkage=(unknown)');
      break;
    case Kind.Datasec:
      w.field(' size=', st);
      w.field(' vlen=', vlen);
      for (let j = 0; j < vlen; j++) {
        const vt = words[body + j * 3]!;
        w.field('\n\ttype_id=', vt);
        w.field(' offset=', words[body + j * 3 + 1]!);
        w.field(' size=', words[body + j * 3 + 2]!);
        // bpftool names the variable when its ID is in range, printing an empty name as ''.
        const owner = spec.specOf(vt);
        if (owner) {
          const k = owner.section.kind(vt - owner.firstId);
          w.ascii(` (${KIND_NAMES[k] ?? 'UNKNOWN'} `);
          name(w, owner, owner.section.nameOff(vt - owner.firstId), "''");
          w.byte(41);
        }
      }
      break;
    case Kind.Float:
      w.field(' size=', st);
      break;
    case Kind.DeclTag:
      w.field(' type_id=', st);
      w.ascii(' component_idx=');
      w.int(words[body]! | 0);
      break;
    default:
      break;
  }
  w.byte(NEWLINE);
}

/**
 * Writes the raw dump of `spec`'s own types (for a split spec, only its own, as bpftool does
 * with `-B`). Validates the spec first.
 * @throws {BtfError} if the spec is invalid.
 */
export function writeRaw(spec: Spec, sink: ChunkSink): void {
  spec.validate();
  const w = new ByteWriter(sink);
  for (let id = spec.firstId; id < spec.nextId; id++) writeType(w, spec, id);
  w.flush();
}

/** The raw dump of one type, without the trailing newline; '' if `spec` has no such ID. */
export function formatRawType(spec: Spec, id: number): string {
  const owner = spec.specOf(id);
  if (!owner) return '';
  return toText((sink) => {
    const w = new ByteWriter(sink);
    writeType(w, owner, id);
    w.flush();
  }).slice(0, -1);
}

/** The whole raw dump as a string (for tests and small specs). */
export function formatRaw(spec: Spec): string {
  return toText((sink) => writeRaw(spec, sink));
}
