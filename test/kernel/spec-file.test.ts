import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { defaultBaseFor, isKernelPublished, loadSpecFile } from '../../src/kernel/spec-file.js';
import { HOST_VMLINUX, KINDS_OBJECT, kernelFixtures, readFixture, tempFile } from '../fixtures.js';

describe('opening BTF files', () => {
  test('a module file in sysfs gets vmlinux as its base; other paths get none', () => {
    assert.equal(defaultBaseFor('/sys/kernel/btf/veth'), '/sys/kernel/btf/vmlinux');
    assert.equal(defaultBaseFor('/sys/kernel/btf/vmlinux'), undefined);
    assert.equal(defaultBaseFor('/tmp/veth'), undefined);
  });

  test('a BPF object opens from its ELF .BTF', () => {
    const spec = loadSpecFile(KINDS_OBJECT);
    assert.ok(spec.typeByName('sample', 'struct'));
  });

  test('a split file opens on a base given by path', () => {
    const k = kernelFixtures()[0]!;
    const base = tempFile(`${k.release}-vmlinux`, k.vmlinux);
    const veth = tempFile(`${k.release}-veth`, k.modules.get('veth')!);
    const spec = loadSpecFile(veth, { base });
    assert.ok(spec.base);
    assert.equal(spec.typeByName('veth_xmit', 'func')?.kind, 'func');
  });

  test('a missing file is a NotFoundError naming it', () => {
    assert.throws(
      () => loadSpecFile('/no/such/btf'),
      (e: Error) => e instanceof NotFoundError && /\/no\/such\/btf/.test(e.message),
    );
  });

  test('only files the kernel publishes count as kernel-verified', {
    skip: existsSync(HOST_VMLINUX) ? false : `${HOST_VMLINUX} is absent`,
  }, () => {
    assert.equal(isKernelPublished(HOST_VMLINUX), true);
    const copy = tempFile('vmlinux-copy', readFixture(HOST_VMLINUX));
    assert.equal(isKernelPublished(copy), false);
    assert.equal(isKernelPublished('/no/such/file'), false);
  });
});
