import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatRaw } from '../../src/btf/index.js';
import { loadObject } from '../../src/obj/index.js';
import { FIXTURES } from '../fixtures.js';

// A Node Buffer's slice() is a view, and readFileSync's small Buffers share one pool at an
// offset: reading an object must neither write into the caller's bytes nor read past them.
test("loadObject leaves a Buffer's bytes as they were and reads it as it reads a Uint8Array", () => {
  for (const name of ['globals', 'maps', 'externs']) {
    const file = `${FIXTURES}/bpf/obj/${name}.bpf.o`;
    const padded = Buffer.concat([Buffer.alloc(13, 0xaa), readFileSync(file)]);
    const buffer = padded.subarray(13);
    const before = Buffer.from(buffer);
    const fromBuffer = loadObject(buffer, name);
    const fromCopy = loadObject(new Uint8Array(before), name);
    assert.ok(buffer.equals(before), `${name}: the input bytes are unchanged`);
    assert.ok(fromBuffer.btf && fromCopy.btf, `${name} has BTF`);
    assert.equal(formatRaw(fromBuffer.btf), formatRaw(fromCopy.btf));
    assert.deepEqual(
      fromBuffer.maps.map((m) => [m.name, m.data]),
      fromCopy.maps.map((m) => [m.name, m.data]),
    );
  }
});
