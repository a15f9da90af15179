import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeFuncInfo, encodeLineInfo } from '../../../src/btf/ext/index.js';
import { parseElf } from '../../../src/elf/index.js';
import { BtfError } from '../../../src/errors.js';
import { loadObject } from '../../../src/obj/index.js';
import { objBytes } from '../../obj/support.js';

/** The records of one section's block in a .BTF.ext subsection, as stored (insn_off in bytes). */
function storedBlock(
  bytes: Uint8Array,
  field: number,
  section: string,
  strings: (off: number) => string | undefined,
): Uint8Array[] {
  const ext = parseElf(bytes).sectionData(parseElf(bytes).section('.BTF.ext')!);
  const v = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  const hdr = v.getUint32(4, true);
  const off = hdr + v.getUint32(field, true);
  const end = off + v.getUint32(field + 4, true);
  const rec = v.getUint32(off, true);
  for (let at = off + 4; at < end; ) {
    const name = strings(v.getUint32(at, true));
    const n = v.getUint32(at + 4, true);
    at += 8;
    if (name === section) return Array.from({ length: n }, (_, i) => ext.slice(at + i * rec, at + (i + 1) * rec));
    at += n * rec;
  }
  return [];
}

describe('.BTF.ext records for BPF_PROG_LOAD', () => {
  test('a one-function section encodes as stored, insn_off in instructions instead of bytes', () => {
    const bytes = objBytes('globals');
    const o = loadObject(bytes);
    const p = o.programs[0]!;
    const strings = (off: number) => o.btf!.strings.lookup(off);
    const lines = storedBlock(bytes, 16, p.section, strings);
    const funcs = storedBlock(bytes, 8, p.section, strings);
    const toKernel = (rec: Uint8Array) => {
      const r = rec.slice();
      const v = new DataView(r.buffer);
      v.setUint32(0, v.getUint32(0, true) / 8, true);
      return r;
    };
    assert.ok(lines.length > 5);
    assert.deepEqual(encodeLineInfo(p.lineInfo, true), new Uint8Array(lines.flatMap((r) => [...toKernel(r)])));
    assert.deepEqual(encodeFuncInfo(p.funcInfo, true), new Uint8Array(funcs.flatMap((r) => [...toKernel(r)])));
  });

  test('fields that do not fit are typed errors', () => {
    assert.throws(() => encodeFuncInfo([{ insn: -1, typeId: 1 }], true), BtfError);
    assert.throws(() => encodeLineInfo([{ insn: 0, fileNameOff: 0, lineOff: 0, line: 1, column: 1024 }], true), BtfError);
  });
});
