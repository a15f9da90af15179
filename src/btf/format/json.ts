/**
 * The JSON dump: the same document `bpftool -j btf dump file <f> format raw` prints,
 * `{"types":[...]}` with one object per type. Keys and their order are part of the format;
 * docs/json-format.md describes each kind's object.
 * @module
 */
import { KIND_NAMES } from '../kinds.js';
import type { Spec } from '../spec.js';
import { kindNumber, type Type } from '../types.js';

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

/** One type as a JSON object (no whitespace). */
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
 * Writes `{"types":[...]}` for `spec`'s own types, then a newline. Validates the spec first.
 * @throws {BtfError} if the spec is invalid.
 */
export function writeJson(spec: Spec, write: (chunk: string) => void): void {
  spec.validate();
  let buf = '{"types":[';
  for (let id = spec.firstId; id < spec.nextId; id++) {
    buf += (id === spec.firstId ? '' : ',') + formatJsonType(spec.peekType(id)!);
    if (buf.length >= 1 << 16) {
      write(buf);
      buf = '';
    }
  }
  write(`${buf}]}\n`);
}
