import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatJsonType, loadSpecFromBytes, type Spec, writeJson } from '../../src/btf/index.js';
import { collect, KINDS_OBJECT, kernelFixtures, readFixture } from '../fixtures.js';
import { encodeBtf } from './encode.js';

/** The document built from the model, one formatJsonType per type: what writeJson must write. */
function fromModel(spec: Spec): string {
  const parts: string[] = [];
  for (let id = spec.firstId; id < spec.nextId; id++) parts.push(formatJsonType(spec.peekType(id)!));
  return `{"types":[${parts.join(',')}]}\n`;
}

/** Asserts the wire writer and the model agree, reporting the first differing type. */
function assertSameAsModel(spec: Spec, what: string): string {
  const ours = collect((w) => writeJson(spec, w)).toString();
  const model = fromModel(spec);
  if (ours !== model) {
    const i = [...ours].findIndex((c, k) => c !== model[k]);
    assert.fail(
      `${what}: differs at char ${i}:\n  wire:  ${ours.slice(i - 80, i + 80)}\n  model: ${model.slice(i - 80, i + 80)}`,
    );
  }
  return ours;
}

describe('JSON dump from the wire records equals the model objects', () => {
  test('a clang-compiled BPF object', () => {
    assertSameAsModel(loadSpecFromBytes(readFixture(KINDS_OBJECT)), KINDS_OBJECT);
  });

  const [kernel] = kernelFixtures();
  test('a kernel vmlinux and its modules (split BTF)', { skip: kernel ? false : 'no kernel fixtures' }, () => {
    const base = loadSpecFromBytes(kernel!.vmlinux);
    assertSameAsModel(base, `${kernel!.release} vmlinux`);
    for (const [name, bytes] of kernel!.modules) assertSameAsModel(loadSpecFromBytes(bytes, base), `${kernel!.release} ${name}`);
  });

  test('escapes, 64-bit enumerators, bitfields, every kind', () => {
    // Offset 1 is the first type's name; ENUM64 items (name, lo, hi) reuse it.
    const NAME1 = 1;
    const layout: [number, number][] = Array.from({ length: 22 }, () => [0, 0]);
    const spec = loadSpecFromBytes(
      encodeBtf({
        hdrLen: 32,
        layout,
        types: [
          { kind: 'int', name: 'a\t"b"\\c\nd\re\ff\bg', size: 4, encoding: 1, bits: 32 }, // [1]
          { kind: 'int', name: 'caf\u00e9', size: 1, encoding: 2, bits: 8 }, // [2] CHAR
          {
            kind: 'struct',
            name: 's',
            size: 8,
            kflag: true,
            members: [
              { name: 'x', type: 1, offset: (3 << 24) | 5 },
              { name: '', type: 1, offset: 32 },
            ],
          }, // [3]
          { kind: 'enum', name: 'u', size: 4, values: [{ name: 'MAX', val: 0xffffffff }] }, // [4]
          { kind: 'enum', name: 'sg', size: 4, kflag: true, values: [{ name: 'NEG', val: -5 }] }, // [5]
          // 2^64-1 and 2^53+1, unsigned
          { kind: 'enum64', name: 'u64', size: 8, vlen: 2, extra: [NAME1, 0xffffffff, 0xffffffff, NAME1, 1, 0x200000] }, // [6]
          // -1 and -2^63, signed
          {
            kind: 'enum64',
            name: 's64',
            size: 8,
            kflag: true,
            vlen: 2,
            extra: [NAME1, 0xffffffff, 0xffffffff, NAME1, 0, 0x80000000],
          }, // [7]
          {
            kind: 'func_proto',
            type: 1,
            params: [
              { name: 'p', type: 1 },
              { name: '', type: 0 },
            ],
          }, // [8]
          { kind: 'func', name: 'f', type: 8, vlen: 2 }, // [9] extern
          { kind: 'var', name: 'v', type: 1, extra: [1] }, // [10] global
          { kind: 'datasec', name: '.data', size: 4, vlen: 1, extra: [10, 0, 4] }, // [11]
          { kind: 'decl_tag', name: 'tag "q"', type: 9, extra: [0xffffffff] }, // [12] component_idx -1
          { kind: 'fwd', name: 'fu', kflag: true }, // [13]
          { kind: 21, name: 'future' }, // [14] a kind newer than the library
          { kind: 'array', extra: [1, 1, 4] }, // [15]
          { kind: 'float', name: 'double', size: 8 }, // [16]
        ],
      }),
      undefined,
      // Names validation refuses: only a spec trusted as kernel-verified gets them to the writer.
      { kernelVerified: true },
    );
    const text = assertSameAsModel(spec, 'hand-made blob');
    assert.ok(text.includes('"name":"a\\t\\"b\\"\\\\c\\nd\\re\\ff\\bg"'), text);
    assert.ok(Buffer.from(text).includes(Buffer.from('"name":"caf\u00e9"')));
    for (const v of ['4294967295', '-5', '18446744073709551615', '9007199254740993', '-1', '-9223372036854775808']) {
      assert.ok(text.includes(`"val":${v}}`), v);
    }
    assert.ok(text.includes('"kind":"UNKNOWN","name":"future"}'));
    assert.ok(text.includes('"bits_offset":5,"bitfield_size":3}'));
    assert.ok(text.includes('"component_idx":-1}'));
    assert.equal(JSON.parse(text).types.length, 16);
  });

  test('a name and a type longer than an output chunk', () => {
    const long = `${'x'.repeat(999)}"`.repeat(400);
    const members = Array.from({ length: 30000 }, (_, i) => ({ name: `m${i}\\`, type: 1, offset: i * 32 }));
    const spec = loadSpecFromBytes(
      encodeBtf({
        types: [
          { kind: 'int', name: 'int', size: 4, encoding: 1, bits: 32 },
          { kind: 'typedef', name: long, type: 1 },
          { kind: 'struct', name: long, size: 30000 * 4, members },
        ],
      }),
      undefined,
      // Names validation refuses: only a spec trusted as kernel-verified gets them to the writer.
      { kernelVerified: true },
    );
    const chunks: number[] = [];
    writeJson(spec, (c) => chunks.push(c.length));
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);
    const doc = JSON.parse(assertSameAsModel(spec, 'long blob'));
    assert.equal(doc.types[1].name, long);
    assert.equal(doc.types[2].members.length, 30000);
  });
});
