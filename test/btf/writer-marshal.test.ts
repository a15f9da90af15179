import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { writeRaw } from '../../src/btf/format/raw.js';
import { loadSpec, loadSpecFromBytes, loadSplitSpec, marshalSpec, type Spec } from '../../src/btf/index.js';
import { bpftoolDump, bpftoolMissing, collect, HOST_VMLINUX, KINDS_OBJECT, kernelFixtures, tempFile } from '../fixtures.js';

function rawDump(spec: Spec): Buffer {
  return collect((sink) => writeRaw(spec, sink));
}

describe('marshal', () => {
  it('writes the host vmlinux back byte for byte', {
    skip: existsSync(HOST_VMLINUX) ? false : 'no /sys/kernel/btf/vmlinux',
  }, () => {
    const bytes = new Uint8Array(readFileSync(HOST_VMLINUX));
    const out = marshalSpec(loadSpec(bytes));
    assert.equal(out.byteLength, bytes.byteLength);
    assert.ok(Buffer.from(out).equals(Buffer.from(bytes)));
  });

  for (const k of kernelFixtures()) {
    it(`writes ${k.release} vmlinux and modules (as split) to equivalent specs`, () => {
      const base = loadSpec(k.vmlinux);
      const out = marshalSpec(base);
      assert.ok(Buffer.from(out).equals(Buffer.from(k.vmlinux)), 'canonical kernel BTF comes out byte for byte');
      for (const [name, bytes] of k.modules) {
        const mod = loadSplitSpec(bytes, base);
        const again = loadSplitSpec(marshalSpec(mod), base);
        again.validate();
        assert.equal(again.count, mod.count, name);
        assert.ok(rawDump(again).equals(rawDump(mod)), `${name}: raw dump differs`);
      }
    });
  }

  it('writes the clang object BTF to a blob bpftool dumps identically', { skip: bpftoolMissing() ?? false }, () => {
    const spec = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    const path = tempFile('kinds-marshal.btf', marshalSpec(spec));
    assert.ok(bpftoolDump(path).equals(bpftoolDump(KINDS_OBJECT)));
    const compact = tempFile('kinds-compact.btf', marshalSpec(spec, { compactStrings: true }));
    assert.ok(bpftoolDump(compact).equals(bpftoolDump(KINDS_OBJECT)));
  });

  it('writes either byte order, and reads back the same types', () => {
    const spec = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    const be = loadSpec(marshalSpec(spec, { littleEndian: false }));
    assert.equal(be.littleEndian, false);
    be.validate();
    assert.ok(rawDump(be).equals(rawDump(spec)));
    const le = loadSpec(marshalSpec(be, { littleEndian: true }));
    assert.ok(rawDump(le).equals(rawDump(spec)));
  });

  it('drops unused and duplicate strings when compacting', () => {
    const spec = loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT)));
    const compact = loadSpec(marshalSpec(spec, { compactStrings: true }));
    assert.ok(compact.header.strLen <= spec.header.strLen);
    assert.ok(rawDump(compact).equals(rawDump(spec)));
  });
});
