/**
 * The text dumps bound each name by a provisional length (dump-buffer.ts, NAME_PROBE) and measure
 * the string table's longest string only when a name reaches it: a name longer than the probe is
 * still printed whole, and a table whose NULs were overwritten after validation still cannot make
 * names run on to its end.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NAME_PROBE } from '../../src/btf/format/dump-buffer.js';
import { Builder, loadSpec, loadSpecFromBytes, writeJson, writeRaw } from '../../src/btf/index.js';
import { bpftoolDump, bpftoolMissing, collect, kernelFixtures, tempFile } from '../fixtures.js';

describe('names in the raw and JSON dumps', () => {
  test('a name longer than the provisional bound is printed whole, as bpftool prints it', { skip: bpftoolMissing() }, () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    const s = b.addStruct('s', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
    // Tag values are not identifiers: the kernel takes any length. Short names on both sides.
    const long = `v${'0123456789'.repeat((3 * NAME_PROBE) / 10)}`;
    b.addDeclTag(long, s);
    b.addTypedef('after_the_long_one', s);
    b.addDeclTag(`${long}x`, s);
    const bytes = b.marshal();
    const spec = loadSpec(bytes);
    const file = tempFile('long-names.btf', bytes);
    const raw = collect((w) => writeRaw(spec, w));
    assert.ok(raw.includes(long));
    assert.ok(raw.equals(bpftoolDump(file)));
    const json = collect((w) => writeJson(spec, w));
    assert.ok(json.equals(bpftoolDump(file, { json: true })));
  });

  const k = kernelFixtures()[0];
  test('NULs overwritten after validation: names stop at the longest string validation saw', {
    skip: k ? false : 'no kernel fixtures',
  }, () => {
    const bytes = k!.vmlinux.slice();
    const spec = loadSpecFromBytes(bytes);
    const normal = collect((w) => writeRaw(spec, w)).length;
    const strs = spec.strings.bytes;
    assert.ok(strs.length > 100 * NAME_PROBE);
    for (let i = 0; i < strs.length; i++) if (strs[i] === 0) strs[i] = 0x61;
    // Names run to the bound, not to the end of the 2-3 MB table each: a few times the normal
    // dump, where running on would make terabytes.
    let total = 0;
    const limit = 40 * normal;
    const sink = (c: Uint8Array) => {
      total += c.length;
      if (total > limit) assert.fail(`the raw dump passed ${limit} bytes`);
    };
    writeRaw(spec, sink);
    total = 0;
    writeJson(spec, sink);
  });
});
