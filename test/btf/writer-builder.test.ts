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
