import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatRawType } from '../../src/btf/format/raw.js';
import { Builder, loadSpec, loadSpecFromBytes, type Spec, type Struct } from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { KINDS_OBJECT, kernelFixtures } from '../fixtures.js';

/** A type's raw dump line(s) with every type ID replaced, to compare across specs. */
function shape(spec: Spec, id: number): string {
  return formatRawType(spec, id)
    .replace(/\[\d+\]/g, '[#]')
    .replace(/(type_id|ret_type_id|index_type_id)=\d+/g, '$1=#');
}

describe('Builder', () => {
  it('builds types in code that read back, validate, and self-reference', () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    const node = b.addStruct('node', 16, []);
    assert.equal(node, int + 1);
    const ptr = b.addPtr(node);
    const list = b.addStruct('list', 16, [
      { name: 'next', typeId: ptr, bitOffset: 0 },
      { name: 'value', typeId: int, bitOffset: 64 },
      { name: 'flag', typeId: int, bitOffset: 96, bitfieldSize: 1 },
    ]);
    const e = b.addEnum(
      'color',
      4,
      [
        { name: 'RED', value: 0 },
        { name: 'BLUE', value: -1 },
      ],
      true,
    );
    const e64 = b.addEnum64('big', 8, [{ name: 'HUGE', value: 0xffff_ffff_ffffn }]);
    const proto = b.addFuncProto(int, [{ name: 'l', typeId: b.addPtr(list) }]);
    b.addFunc('walk', proto, 'global');
    b.addTypedef('color_t', e);
    b.addDeclTag('tag', list, 1);
    b.addVar('counter', int, 'global');
    const spec = loadSpec(b.marshal());
    spec.validate();
    const l = spec.typeByName('list', 'struct') as Struct;
    assert.deepEqual(
      l.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
      [
        ['next', 0, 0],
        ['value', 64, 0],
        ['flag', 96, 1],
      ],
    );
    assert.equal(spec.typeById(e64)?.kind, 'enum64');
    assert.equal(spec.typeByName('walk')?.kind, 'func');
  });

  it('refuses to write a reference to a type never added', () => {
    const b = new Builder();
    b.addPtr(5);
    assert.throws(
      () => b.marshal(),
      (e: unknown) => e instanceof BtfError && /type \[1\].*\[5\], which was not added/.test(e.message),
    );
    b.addStruct('s', 4, [{ name: 'x', typeId: 9, bitOffset: 0 }]);
    assert.throws(() => b.addPtr(0x100000), BtfError);
  });

  it('refuses every number that does not fit its field, naming the field, instead of wrapping it', () => {
    const cases: [string, (b: Builder, int: number) => unknown, RegExp][] = [
      ['array length 2^32+5', (b, int) => b.addArray(int, int, 2 ** 32 + 5), /array nelems 4294967301/],
      ['array length -1', (b, int) => b.addArray(int, int, -1), /array nelems -1/],
      ['array length 1.5', (b, int) => b.addArray(int, int, 1.5), /array nelems 1\.5/],
      ['enum32 value 2^40', (b) => b.addEnum('e', 4, [{ name: 'A', value: 2 ** 40 }]), /enum e A value 1099511627776/],
      ['enum32 value below -2^31', (b) => b.addEnum('e', 4, [{ name: 'A', value: -(2 ** 31) - 1 }]), /does not fit 32 bits/],
      ['enum32 value NaN', (b) => b.addEnum('e', 4, [{ name: 'A', value: Number.NaN }]), /enum e A value NaN/],
      ['enum64 value 2^64', (b) => b.addEnum64('e', 8, [{ name: 'A', value: 2n ** 64n }]), /does not fit 64 bits/],
      ['enum64 value 2^53+1 as a number', (b) => b.addEnum64('e', 8, [{ name: 'A', value: 2 ** 53 + 2 }]), /enum64 e A value/],
      ['struct size 2^32', (b) => b.addStruct('s', 2 ** 32), /s size 4294967296/],
      ['union size -4', (b) => b.addUnion('u', -4), /u size -4/],
      ['enum size 2^32', (b) => b.addEnum('e', 2 ** 32), /enum e size/],
      ['int size 2^32', (b) => b.addInt('i', 2 ** 32), /int i size/],
      ['int bits 256', (b) => b.addInt('i', 4, 0, 256), /int i bits 256/],
      ['int encoding 16', (b) => b.addInt('i', 4, 16), /int i encoding 16/],
      ['int bit offset 256', (b) => b.addInt('i', 4, 0, 8, 256), /int i bit offset 256/],
      ['float size 1e10', (b) => b.addFloat('f', 1e10), /float f size/],
      [
        'bit-field offset past 24 bits',
        (b, int) => b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 2 ** 24, bitfieldSize: 3 }]),
        /s\.x bit offset 16777216/,
      ],
      [
        'member offset 2^32 without bit-fields',
        (b, int) => b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 2 ** 32 }]),
        /s\.x bit offset 4294967296/,
      ],
      [
        'bit-field size 256',
        (b, int) => b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 0, bitfieldSize: 256 }]),
        /s\.x bit-field size 256/,
      ],
      ['unknown func linkage', (b, int) => b.addFunc('f', b.addFuncProto(int), 'weak' as never), /func f linkage "weak"/],
      ['unknown var linkage', (b, int) => b.addVar('v', int, 'toString' as never), /var v linkage "toString"/],
      ['datasec size 2^32', (b) => b.addDatasec('.d', 2 ** 32), /datasec \.d size/],
      [
        'datasec entry offset -1',
        (b, int) => b.addDatasec('.d', 4, [{ typeId: b.addVar('v', int), offset: -1, size: 4 }]),
        /datasec \.d entry 0 offset -1/,
      ],
      ['decl tag component -2', (b, int) => b.addDeclTag('t', int, -2), /decl tag t component index -2/],
      ['type ID 1.5', (b) => b.addPtr(1.5), /\[1\.5\]/],
      ['type ID NaN', (b) => b.addTypedef('t', Number.NaN), /\[NaN\]/],
    ];
    for (const [what, add, message] of cases) {
      const b = new Builder();
      const int = b.addInt('int', 4, 1);
      const next = b.nextId;
      assert.throws(
        () => add(b, int),
        (e: unknown) => e instanceof BtfError && message.test(e.message),
        what,
      );
      // Nothing half-written is left behind (dependencies added before the failing call aside).
      assert.ok(loadSpec(b.marshal()).nextId >= next, what);
    }
    // The edges themselves fit.
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    b.addArray(int, int, 2 ** 32 - 1);
    b.addEnum('e', 4, [
      { name: 'LO', value: -(2 ** 31) },
      { name: 'HI', value: 2 ** 32 - 1 },
    ]);
    const f = b.addEnum64('f', 8, [
      { name: 'LO64', value: -(2n ** 63n) },
      { name: 'HI64', value: 2n ** 64n - 1n },
    ]);
    const s = b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 2 ** 24 - 1, bitfieldSize: 255 }]);
    b.addDeclTag('t', int, -1);
    // Not valid BTF (the bit-field is wider than its int), but every field holds what was given.
    const spec = loadSpec(b.marshal());
    const e64 = spec.typeById(f);
    assert.ok(e64?.kind === 'enum64');
    assert.deepEqual(
      e64.values.map((v) => BigInt(v.value)),
      [2n ** 64n - 2n ** 63n, 2n ** 64n - 1n],
    );
    const st = spec.typeById(s);
    assert.ok(st?.kind === 'struct');
    assert.deepEqual([st.members[0]?.bitOffset, st.members[0]?.bitfieldSize], [2 ** 24 - 1, 255]);
  });

  it('refuses more types than the format allows', () => {
    const b = new Builder();
    const int = b.addInt('int', 4);
    assert.throws(() => {
      for (let i = 0; i < 0x100000; i++) b.addPtr(int);
    }, /0xfffff/);
  });

  it('refuses a string section past 24-bit offsets', () => {
    const b = new Builder();
    const long = 'x'.repeat(1 << 20);
    assert.throws(() => {
      for (let i = 0; i < 20; i++) b.addInt(`${long}${i}`, 4);
    }, /0xffffff/);
  });

  it('adds types from several specs with their closures, remapping IDs', () => {
    const kinds = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    const k = kernelFixtures()[0];
    const b = new Builder();
    const picks: [Spec, number][] = [];
    for (const t of kinds.types()) if (t.kind === 'struct' || t.kind === 'func') picks.push([kinds, t.id]);
    if (k) {
      const v = loadSpec(k.vmlinux);
      for (const name of ['task_struct', 'sk_buff']) picks.push([v, v.typeByName(name, 'struct')!.id]);
    }
    const ids = picks.map(([s, id]) => b.addType(s, id));
    const out = loadSpec(b.marshal());
    out.validate();
    picks.forEach(([s, id], i) => {
      assert.equal(shape(out, ids[i]!), shape(s, id));
    });
    // Adding again returns the same ID and copies nothing.
    const n = b.count;
    assert.equal(b.addType(picks[0]![0], picks[0]![1]), ids[0]);
    assert.equal(b.count, n);
  });
});
