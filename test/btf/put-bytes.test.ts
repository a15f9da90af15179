import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelOf, put, putEnumValue, putField, putUint } from '../../src/btf/format/put-bytes.js';

/** What `write` wrote at the start of a fresh buffer, as text. */
function written(write: (v: DataView) => number): string {
  const b = new Uint8Array(64);
  return new TextDecoder().decode(b.subarray(0, write(new DataView(b.buffer))));
}

// The edges of V8's small integers (2^30) and of 32-bit signed and unsigned numbers, where the
// enumerator writer changes its path.
const EDGES = [
  0, 1, 9, 10, 99, 100, 0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000, 0x80000001, 0xbfffffff, 0xc0000000,
  0xc0000001, 0xfffffffe, 0xffffffff,
];

test('an enumerator value reads as C prints it: %u unsigned, %d as a 32-bit signed number', () => {
  for (const v of EDGES) {
    assert.equal(
      written((b) => putEnumValue(b, 0, v, false)),
      String(v),
      `unsigned ${v}`,
    );
    assert.equal(
      written((b) => putEnumValue(b, 0, v, true)),
      String(v | 0),
      `signed ${v | 0}`,
    );
  }
});

test('putUint writes every digit count of a 32-bit number', () => {
  for (let v = 1; v <= 0xffffffff; v = v * 10 + 7) {
    for (const x of [v - 1, v, v + 1]) {
      if (x <= 0xffffffff)
        assert.equal(
          written((b) => putUint(b, 0, x)),
          String(x),
        );
    }
  }
});

test('labels of every length modulo four follow one another as their text, whatever the padding of the last word wrote', () => {
  const texts = ['a', '"}', ',"x":', '{"id":', "' size=", ',"kind":"STRUCT","name":"', "\n\t'", 'abcdefgh'];
  assert.equal(
    written((v) => texts.reduce((p, t) => put(v, p, labelOf(t)), 0)),
    texts.join(''),
  );
  assert.equal(
    written((v) => putField(v, putField(v, 0, labelOf(',"type_id":'), 42), labelOf(' bits_offset='), 1234567)),
    ',"type_id":42 bits_offset=1234567',
  );
});
