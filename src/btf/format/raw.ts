/**
 * The raw text dump, line for line as `bpftool btf dump file <f> format raw` prints it.
 * Output goes through a `write` callback in chunks, so a caller can stream it.
 * @module
 */
import { KIND_NAMES } from '../kinds.js';
import type { Spec } from '../spec.js';
import { kindNumber, type Type } from '../types.js';

const CHUNK = 1 << 16;

/** bpftool's name rendering: `(anon)` for an empty name. */
function quoted(name: string): string {
  return name === '' ? "'(anon)'" : `'${name}'`;
}

const INT_ENCODING: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };

function linkageName(linkage: string | number): string {
  return typeof linkage === 'string' ? linkage : '(unknown)';
}

/** One type in bpftool's raw form, without the trailing newline. */
export function formatRawType(spec: Spec, t: Type): string {
  const head = `[${t.id}] ${KIND_NAMES[kindNumber(t.kind)] ?? 'UNKNOWN'} ${quoted(t.name)}`;
  switch (t.kind) {
    case 'int':
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${INT_ENCODING[t.encoding] ?? 'UNKN'}`;
    case 'ptr':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'typedef':
    case 'type_tag':
      return `${head} type_id=${t.typeId}`;
    case 'array':
      return `${head} type_id=${t.typeId} index_type_id=${t.indexTypeId} nr_elems=${t.nelems}`;
    case 'struct':
    case 'union': {
      let s = `${head} size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t${quoted(m.name)} type_id=${m.typeId} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      return s;
    }
    case 'enum': {
      let s = `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t${quoted(v.name)} val=${v.value}`;
      return s;
    }
    case 'enum64': {
      const suffix = t.signed ? 'LL' : 'ULL';
      let s = `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t${quoted(v.name)} val=${v.value}${suffix}`;
      return s;
    }
    case 'fwd':
      return `${head} fwd_kind=${t.fwdKind}`;
    case 'func':
      return `${head} type_id=${t.typeId} linkage=${linkageName(t.linkage)}`;
    case 'func_proto': {
      let s = `${head} ret_type_id=${t.returnTypeId} vlen=${t.rawParams.length}`;
      for (const p of t.rawParams) s += `\n\t${quoted(p.name)} type_id=${p.typeId}`;
      return s;
    }
    case 'var':
      return `${head} type_id=${t.typeId}, linkage=${linkageName(t.linkage)}`;
    case 'datasec': {
      let s = `${head} size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        s += `\n\ttype_id=${v.typeId} offset=${v.offset} size=${v.size}`;
        // bpftool names the variable only when its ID is in range, with the raw (unquoted-anon) name.
        const vt = v.typeId < spec.nextId ? spec.typeById(v.typeId) : undefined;
        if (vt) s += ` (${KIND_NAMES[kindNumber(vt.kind)] ?? 'UNKNOWN'} '${vt.name}')`;
      }
      return s;
    }
    case 'float':
      return `${head} size=${t.size}`;
    case 'decl_tag':
      return `${head} type_id=${t.typeId} component_idx=${t.componentIdx}`;
    case 'void':
    case 'unknown':
      return head;
  }
}

/**
 * Writes the raw dump of `spec`'s own types (a split spec's types only, as bpftool does with
 * `-B`). Validates the spec first.
 * @throws {BtfError} if the spec is invalid.
 */
export function writeRaw(spec: Spec, write: (chunk: string) => void): void {
  spec.validate();
  let buf = '';
  for (const t of spec.types()) {
    buf += `${formatRawType(spec, t)}\n`;
    if (buf.length >= CHUNK) {
      write(buf);
      buf = '';
    }
  }
  if (buf.length > 0) write(buf);
}
