/**
 * The Builder's layout form places members as C does: every struct and union of a
 * clang-compiled object (padding, nesting, arrays, bit-fields, unions, packed) is rebuilt
 * from its member types alone, and the offsets and size must be clang's.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Builder } from '../../src/btf/builder.js';
import { openSpec } from '../../src/btf/load.js';
import { BtfError } from '../../src/errors.js';
import { FIXTURES, readFixture } from '../fixtures.js';

const spec = openSpec(readFixture(join(FIXTURES, 'bpf', 'layout.bpf.o')), { name: 'layout.bpf.o' });

describe('Builder layout', () => {
  test("every aggregate of layout.bpf.o gets clang's member offsets and size", () => {
    let checked = 0;
    let bitfields = 0;
    for (const t of spec.types()) {
      if ((t.kind !== 'struct' && t.kind !== 'union') || t.name === '') continue;
      const b = new Builder();
      const members = t.members.map((m) => ({ name: m.name, typeId: b.addType(spec, m.typeId), bitfieldSize: m.bitfieldSize }));
      const layout = t.name.startsWith('packed_') ? 'packed' : 'natural';
      const id = t.kind === 'struct' ? b.addStruct(t.name, members, { layout }) : b.addUnion(t.name, members, { layout });
      const built = openSpec(b.marshal()).mustTypeById(id);
      assert.ok(built.kind === t.kind);
      assert.equal(built.size, t.size, `${t.name} size`);
      assert.deepEqual(
        built.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
        t.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
        t.name,
      );
      checked++;
      if (t.members.some((m) => m.bitfieldSize > 0)) bitfields++;
    }
    assert.ok(checked >= 14 && bitfields >= 4, `${checked} aggregates, ${bitfields} with bit-fields`);
  });

  test('a member type not added yet, or without a size, is refused naming the member', () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    const fwd = b.addFwd('later');
    assert.throws(
      () => b.addStruct('s', [{ name: 'x', typeId: int + 10 }]),
      (e: unknown) => e instanceof BtfError && /s\.x: type \[\d+\] is not added yet/.test(e.message),
    );
    assert.throws(
      () => b.addStruct('s', [{ name: 'y', typeId: fwd }]),
      (e: unknown) => e instanceof BtfError && /s\.y: .* no size/.test(e.message),
    );
    assert.throws(
      () => b.addStruct('s', [{ name: 'z', typeId: int }], { layout: 'tight' as never }),
      (e: unknown) => e instanceof BtfError && /layout "tight"/.test(e.message),
    );
    // The explicit form is unchanged.
    const id = b.addStruct('e', 8, [{ name: 'x', typeId: int, bitOffset: 32 }]);
    assert.equal(id, fwd + 1);
  });
});
