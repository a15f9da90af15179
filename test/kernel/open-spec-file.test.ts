/**
 * openSpecFile, the path form of openSpec (exported by tsbpf/btf under Node): raw and ELF
 * files, a base by path or spec, the file's name as the spec's, and inputs that are not BTF.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { formatRaw } from '../../src/btf/format/raw.js';
import { openSpec } from '../../src/btf/load.js';
import { BtfError, IoError } from '../../src/errors.js';
import { openSpecFile } from '../../src/kernel/spec-file.js';
import { HOST_VMLINUX, kernelFixtures, readFixture, tempDir, tempFile } from '../fixtures.js';

const bookworm = kernelFixtures().find((k) => k.release === 'bookworm');

describe('openSpecFile', () => {
  test('a raw module opens on a base given by path, or as a spec; named after the file', () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const vmPath = tempFile('open-vmlinux', bookworm.vmlinux);
    const vethPath = tempFile('veth', bookworm.modules.get('veth')!);
    const byPath = openSpecFile(vethPath, { base: vmPath });
    assert.equal(byPath.name, 'veth');
    assert.equal(byPath.base?.name, 'open-vmlinux');
    const vmlinux = openSpecFile(vmPath, { name: 'vmlinux' });
    assert.equal(vmlinux.name, 'vmlinux');
    const bySpec = openSpecFile(vethPath, { base: vmlinux });
    assert.equal(bySpec.base, vmlinux);
    assert.equal(bySpec.validated, false, 'a copy in /tmp is not kernel-verified');
    assert.equal(formatRaw(bySpec), formatRaw(openSpec(bookworm.modules.get('veth')!, { base: vmlinux })));
  });

  test("a module's .ko opens from its path as its raw .BTF does", () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const vmlinux = openSpec(bookworm.vmlinux);
    const ko = tempFile('veth.ko', readFixture(join(bookworm.dir, 'veth.ko.br')));
    const spec = openSpecFile(ko, { base: vmlinux });
    assert.equal(spec.name, 'veth.ko');
    assert.equal(formatRaw(spec), formatRaw(openSpec(bookworm.modules.get('veth')!, { base: vmlinux })));
  });

  test('a compressed file is named as such; a directory is an IoError', () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const gz = tempFile('vmlinux.gz', gzipSync(bookworm.vmlinux));
    assert.throws(
      () => openSpecFile(gz),
      (e: unknown) => e instanceof BtfError && e.message.startsWith(gz) && /gzip-compressed, not BTF/.test(e.message),
    );
    assert.throws(() => openSpecFile(tempDir()), IoError);
  });

  test("the running kernel's vmlinux opens kernel-verified, named vmlinux", {
    skip: existsSync(HOST_VMLINUX) ? false : `${HOST_VMLINUX} is absent`,
  }, () => {
    const vm = openSpecFile(HOST_VMLINUX);
    assert.equal(vm.name, 'vmlinux');
    assert.equal(vm.validated, true);
    assert.ok(vm.typeByName('task_struct', 'struct'));
  });
});
