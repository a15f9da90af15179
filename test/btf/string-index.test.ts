import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHeader, peekHeader } from '../../src/btf/header.js';
import { loadSpec, loadSplitSpec } from '../../src/btf/index.js';
import { StringIndex } from '../../src/btf/string-index.js';
import { walkRecords } from '../../src/btf/wire.js';
import { BtfError } from '../../src/errors.js';
import { kernelFixtures } from '../fixtures.js';

const kernels = kernelFixtures();

describe('reading BTF without opening a spec', () => {
  for (const k of kernels) {
    test(`${k.release}: a header peeked from the first bytes is the header`, () => {
      for (const bytes of [k.vmlinux, ...k.modules.values()]) {
        const full = parseHeader(bytes);
        assert.deepEqual(peekHeader(bytes.subarray(0, full.hdrLen), bytes.byteLength), full);
        // The same head with a file too short for its sections is refused with the field's offset.
        assert.throws(
          () => peekHeader(bytes.subarray(0, full.hdrLen), full.strOff),
          (e: unknown) => e instanceof BtfError && /overruns/.test(e.message),
        );
      }
      assert.throws(() => peekHeader(k.vmlinux.subarray(0, 4), k.vmlinux.byteLength), BtfError);
    });

    test(`${k.release}: walking a module's records unvalidated sees what the spec sees`, () => {
      const vmlinux = loadSpec(k.vmlinux);
      for (const [name, bytes] of k.modules) {
        const h = parseHeader(bytes);
        const names: number[] = [];
        const offsets: number[] = [];
        const ok = walkRecords(bytes.subarray(h.typeOff, h.typeOff + h.typeLen), h.littleEndian, (at, nameOff) => {
          offsets.push(h.typeOff + at);
          names.push(nameOff);
        });
        assert.equal(ok, true, name);
        const mod = loadSplitSpec(bytes, vmlinux);
        assert.equal(names.length, mod.count, name);
        for (let i = 0; i < mod.count; i++) {
          assert.equal(names[i], mod.section.nameOff(i));
          assert.equal(offsets[i], mod.section.offset(i));
        }
      }
    });

    test(`${k.release}: the string index over every module's strings finds each name where it is`, () => {
      const tables = [...k.modules.values()].map((b) => loadSplitSpec(b, loadSpec(k.vmlinux)).strings.bytes);
      const index = new StringIndex(tables);
      const encoder = new TextEncoder();
      let checked = 0;
      tables.forEach((bytes, t) => {
        // Every 50th string of each section: found at its own offset, and every hit is that string.
        let start = 0;
        for (let i = 0, n = 0; i < bytes.byteLength; i++) {
          if (bytes[i] !== 0) continue;
          if (i > start && n++ % 50 === 0) {
            const name = bytes.subarray(start, i);
            const hits = index.lookup(name);
            assert.ok(hits.some((h) => h.table === t && h.offset === start));
            for (const h of hits) {
              const other = tables[h.table]!;
              assert.deepEqual(other.subarray(h.offset, h.offset + name.byteLength + 1), bytes.subarray(start, i + 1));
            }
            checked++;
          }
          start = i + 1;
        }
      });
      assert.ok(checked > 10);
      assert.deepEqual(index.lookup(encoder.encode('no such name in any module, surely')), []);
    });
  }
});
