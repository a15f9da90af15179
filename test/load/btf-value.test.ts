/** Plain values to bytes and back through BTF types built in the test. */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Builder } from '../../src/btf/builder.js';
import { loadSpec } from '../../src/btf/spec.js';
import { TsbpfError } from '../../src/errors.js';
import { decodeValue, encodeValue } from '../../src/load/btf-value.js';

function build() {
  const b = new Builder();
  const s8 = b.addInt('signed char', 1, 1);
  const s16 = b.addInt('short', 2, 1);
  const s32 = b.addInt('int', 4, 1);
  const u64 = b.addInt('unsigned long long', 8);
  const i128 = b.addInt('__int128', 16, 1);
  const bool = b.addInt('_Bool', 1, 4);
  const dbl = b.addFloat('double', 8);
  const ptr = b.addPtr(s32);
  const e = b.addEnum('color', 4, [
    { name: 'RED', value: 1 },
    { name: 'GREEN', value: 2 },
  ]);
  const pair = b.addStruct('pair', 8, [
    { name: 'a', typeId: s16, bitOffset: 0 },
    { name: 'b', typeId: s32, bitOffset: 32 },
  ]);
  const pairs = b.addArray(pair, s32, 2);
  const anon = b.addUnion('', 4, [
    { name: 'x', typeId: s32, bitOffset: 0 },
    { name: 'y', typeId: s8, bitOffset: 0 },
  ]);
  const td = b.addTypedef('s64_t', u64);
  const outer = b.addStruct('outer', 72, [
    { name: 'c', typeId: s8, bitOffset: 0 },
    { name: 'flag', typeId: bool, bitOffset: 8 },
    { name: '', typeId: anon, bitOffset: 32 },
    { name: 'pairs', typeId: pairs, bitOffset: 64 },
    { name: 'd', typeId: dbl, bitOffset: 192 },
    { name: 'p', typeId: ptr, bitOffset: 256 },
    { name: 'col', typeId: e, bitOffset: 320 },
    { name: 'big', typeId: i128, bitOffset: 384 },
    { name: 'n', typeId: td, bitOffset: 512 },
  ]);
  const v1 = b.addVar('counter', u64, 'global');
  const v2 = b.addVar('color', e, 'global');
  const sec = b.addDatasec('.data', 12, [
    { typeId: v1, offset: 0, size: 8 },
    { typeId: v2, offset: 8, size: 4 },
  ]);
  const spec = loadSpec(b.marshal());
  return { spec, outer: spec.typeById(outer)!, sec: spec.typeById(sec)!, e: spec.typeById(e)! };
}

test('a struct round-trips: signed, bool, anonymous union, arrays of structs, float, pointer, enum, 128-bit', () => {
  const { outer } = build();
  const value = {
    c: -3,
    flag: true,
    x: -100000,
    pairs: [
      { a: -2, b: 7 },
      { a: 3, b: -9 },
    ],
    d: 1.5,
    p: 0xffff_8880_0000_1000n,
    col: 'GREEN',
    big: -(2n ** 100n),
    n: 2n ** 64n - 1n,
  };
  const bytes = encodeValue(outer, value);
  assert.equal(bytes.byteLength, 72);
  const back = decodeValue(outer, bytes) as Record<string, unknown>;
  // The anonymous union's members decode into the parent; y overlaps x's low byte.
  assert.deepEqual({ ...back, y: undefined }, { ...value, y: undefined });
  assert.equal(back.y, 0x60, 'low byte of -100000 (0xfffe7960)');
  assert.equal(new DataView(bytes.buffer).getInt16(8, true), -2);
});

test('enums decode to names, unknown values to numbers; names and numbers both encode', () => {
  const { e } = build();
  assert.equal(decodeValue(e, encodeValue(e, 'RED')), 'RED');
  assert.equal(decodeValue(e, encodeValue(e, 9)), 9);
  assert.throws(() => encodeValue(e, 'BLUE'), /no enumerator named 'BLUE'/);
});

test('a DATASEC decodes to its variables by name (needs its spec)', () => {
  const { spec, sec } = build();
  const bytes = encodeValue(sec, { counter: 5n, color: 'RED' }, spec);
  assert.deepEqual(decodeValue(sec, bytes, 0, spec), { counter: 5n, color: 'RED' });
  assert.throws(() => decodeValue(sec, bytes), TsbpfError);
});

test('bad values are typed errors naming the field', () => {
  const { outer } = build();
  assert.throws(() => encodeValue(outer, { c: 300 }), /field c: 300 does not fit in 8 bits/);
  assert.throws(() => encodeValue(outer, { pairs: [{ a: 'x' }] }), /field pairs\[0\]\.a: expected an integer/);
  assert.throws(() => encodeValue(outer, { pairs: [{}, {}, {}] }), /3 elements given, the array has 2/);
  assert.throws(() => encodeValue(outer, 5), /expected an object of fields/);
  assert.throws(() => decodeValue(outer, new Uint8Array(10)), /needs 72 bytes/);
});
