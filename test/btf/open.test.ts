/**
 * openSpec, the one way to open BTF held in memory: raw BTF and ELF files alike, base or
 * split; and what the raw-only openers say when given an ELF file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatRaw } from '../../src/btf/format/raw.js';
import { openSpec } from '../../src/btf/load.js';
import { loadSpec, loadSplitSpec } from '../../src/btf/spec.js';
import { BtfError } from '../../src/errors.js';
import { KINDS_OBJECT, kernelFixtures, readFixture } from '../fixtures.js';

const bookworm = kernelFixtures().find((k) => k.release === 'bookworm');

describe('openSpec', () => {
  test('raw base and split BTF open as the raw-only openers open them, named', () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const vmlinux = openSpec(bookworm.vmlinux, { name: 'vmlinux' });
    assert.equal(vmlinux.name, 'vmlinux');
    assert.equal(vmlinux.base, undefined);
    assert.equal(vmlinux.count, loadSpec(bookworm.vmlinux).count);
    const veth = openSpec(bookworm.modules.get('veth')!, { base: vmlinux, name: 'veth' });
    assert.equal(veth.base, vmlinux);
    assert.equal(veth.firstId, vmlinux.nextId);
    assert.equal(formatRaw(veth), formatRaw(loadSplitSpec(bookworm.modules.get('veth')!, vmlinux)));
  });

  test("a module's .ko opens on its base as its .BTF section does; an ArrayBuffer too", () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const vmlinux = openSpec(bookworm.vmlinux);
    const ko = readFixture(join(bookworm.dir, 'veth.ko.br'));
    const fromElf = openSpec(ko, { base: vmlinux, name: 'veth' });
    const fromRaw = openSpec(bookworm.modules.get('veth')!, { base: vmlinux });
    assert.equal(fromElf.name, 'veth');
    assert.equal(formatRaw(fromElf), formatRaw(fromRaw));
    const copy = ko.slice();
    assert.equal(openSpec(copy.buffer, { base: vmlinux }).count, fromRaw.count);
  });

  test('a BPF object opens from its .BTF', () => {
    const spec = openSpec(readFixture(KINDS_OBJECT));
    assert.ok(spec.typeByName('sample', 'struct'));
  });

  test('a base passed where the options go is refused, saying how to pass it', () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const vmlinux = openSpec(bookworm.vmlinux);
    assert.throws(
      () => openSpec(bookworm.modules.get('veth')!, vmlinux as never),
      (e: unknown) => e instanceof BtfError && /\{ base \}/.test(e.message),
    );
  });

  test('the raw-only openers, given an ELF file, say so and name openSpec', () => {
    assert.ok(bookworm, 'no bookworm fixture');
    const elf = readFixture(KINDS_OBJECT);
    const vmlinux = openSpec(bookworm.vmlinux);
    for (const open of [() => loadSpec(elf), () => loadSplitSpec(elf, vmlinux)]) {
      assert.throws(open, (e: unknown) => e instanceof BtfError && e.offset === 0 && /ELF file.*openSpec/.test(e.message));
    }
  });
});
