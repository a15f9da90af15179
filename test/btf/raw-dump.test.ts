import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadSpecFromBytes, writeRaw } from '../../src/btf/index.js';
import {
  bpftoolDump,
  bpftoolMissing,
  collect,
  HOST_VMLINUX,
  KINDS_OBJECT,
  kernelFixtures,
  readFixture,
  tempFile,
} from '../fixtures.js';

/** Asserts byte equality, reporting the first differing line rather than two huge buffers. */
function assertSameDump(ours: Buffer, theirs: Buffer, what: string): void {
  if (ours.equals(theirs)) return;
  const a = ours.toString().split('\n');
  const b = theirs.toString().split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  assert.fail(`${what}: dumps differ at line ${i + 1}:\n  tsbpf:   ${a[i]}\n  bpftool: ${b[i]}`);
}

describe('raw dump is byte-identical to bpftool', { skip: bpftoolMissing() }, () => {
  test('the host kernel vmlinux', { skip: existsSync(HOST_VMLINUX) ? false : `${HOST_VMLINUX} is absent` }, () => {
    const spec = loadSpecFromBytes(readFixture(HOST_VMLINUX));
    assertSameDump(
      collect((w) => writeRaw(spec, w)),
      bpftoolDump(HOST_VMLINUX),
      HOST_VMLINUX,
    );
  });

  test('a clang-compiled BPF object', () => {
    const spec = loadSpecFromBytes(readFixture(KINDS_OBJECT));
    assertSameDump(
      collect((w) => writeRaw(spec, w)),
      bpftoolDump(KINDS_OBJECT),
      KINDS_OBJECT,
    );
  });

  const kernels = kernelFixtures();
  test('kernel fixtures are present', () => {
    assert.ok(kernels.length >= 2, `expected Debian kernel fixtures under test/fixtures/kernels, found ${kernels.length}`);
  });
  for (const k of kernels) {
    test(`${k.release} vmlinux`, () => {
      const file = tempFile(`${k.release}-vmlinux`, k.vmlinux);
      const spec = loadSpecFromBytes(k.vmlinux);
      assertSameDump(
        collect((w) => writeRaw(spec, w)),
        bpftoolDump(file),
        file,
      );
    });
    for (const [name, bytes] of k.modules) {
      test(`${k.release} module ${name} (split on vmlinux)`, () => {
        const base = tempFile(`${k.release}-vmlinux`, k.vmlinux);
        const file = tempFile(`${k.release}-${name}`, bytes);
        const spec = loadSpecFromBytes(bytes, loadSpecFromBytes(k.vmlinux));
        assertSameDump(
          collect((w) => writeRaw(spec, w)),
          bpftoolDump(file, { base }),
          file,
        );
      });
    }
  }
});
