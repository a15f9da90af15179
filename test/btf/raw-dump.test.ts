import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSpecFromBytes, writeRaw } from '../../src/btf/index.js';
import {
  bpftoolDump,
  bpftoolMissing,
  collect,
  HOST_VMLINUX,
  have,
  KINDS_OBJECT,
  KINDS_SOURCE,
  kernelFixtures,
  readFixture,
  tempDir,
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

  test('a big-endian BPF object (clang -target bpfeb)', { skip: have('clang') ? false : 'clang is not installed' }, () => {
    const object = join(tempDir(), 'kinds.bpfeb.o');
    execFileSync('clang', ['-target', 'bpfeb', '-g', '-O2', '-c', KINDS_SOURCE, '-o', object]);
    const spec = loadSpecFromBytes(readFixture(object));
    assert.equal(spec.littleEndian, false);
    assertSameDump(
      collect((w) => writeRaw(spec, w)),
      bpftoolDump(object),
      object,
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
