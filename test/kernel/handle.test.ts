/**
 * Handles, the ID walk, BTF loading and the default registry against the running kernel.
 * Needs root and /sys/kernel/btf/vmlinux; skipped otherwise.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { btfSectionOf } from '../../src/btf/load.js';
import { loadSpec } from '../../src/btf/spec.js';
import { parseElf } from '../../src/elf/index.js';
import { readSymbols } from '../../src/elf/symbols.js';
import { KernelError, NotFoundError } from '../../src/errors.js';
import { listBtfObjects } from '../../src/kernel/btf-objects.js';
import { Handle } from '../../src/kernel/handle.js';
import { loadBtf } from '../../src/kernel/load-btf.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { HOST_VMLINUX, KINDS_OBJECT } from '../fixtures.js';
import { openFds } from './support.js';

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync(HOST_VMLINUX)) return `needs ${HOST_VMLINUX}`;
  return false;
}
const skip = skipReason();
if (skip !== false) console.log(`# skipping running-kernel tests: ${skip}`);

test('the walk finds vmlinux; its handle reads the same blob as sysfs', { skip }, () => {
  const before = openFds();
  const objects = listBtfObjects();
  const vm = objects.find((o) => o.kernelBtf && o.name === 'vmlinux');
  assert.ok(vm, 'vmlinux is a BTF object');
  const sysfs = readFileSync(HOST_VMLINUX);
  assert.equal(vm.size, sysfs.length);
  const h = Handle.fromId(vm.id);
  try {
    assert.deepEqual(h.info(), vm);
    assert.equal(h.id, vm.id);
    assert.equal(h.name, 'vmlinux');
    const spec = h.spec();
    assert.deepEqual(Buffer.from(spec.bytes), sysfs);
    assert.equal(h.spec(), spec, 'decoded once');
  } finally {
    h.close();
  }
  assert.ok(h.closed);
  assert.equal(openFds(), before, 'no descriptor leaked');
});

test('the default registry reads sysfs and knows the object IDs', { skip }, () => {
  const before = openFds();
  const r = new KernelRegistry();
  assert.equal(r.live, true);
  assert.deepEqual(Buffer.from(r.vmlinux().bytes), readFileSync(HOST_VMLINUX));
  const vmId = listBtfObjects().find((o) => o.name === 'vmlinux')!.id;
  assert.equal(r.objectId('vmlinux'), vmId);
  const m = r.find('tcp_sendmsg', 'func');
  assert.equal(m.length, 1);
  assert.equal(m[0]!.object, 'vmlinux');
  assert.equal(m[0]!.objectId, vmId);
  const t = r.findAttachTarget('tcp_sendmsg');
  assert.equal(t.fd, 0, 'vmlinux targets have attach_btf_obj_fd 0');
  assert.equal(t.typeId, m[0]!.typeId);
  assert.equal(openFds(), before);
});

test('opening an ID that does not exist is a NotFoundError', { skip }, () => {
  const last = listBtfObjects().at(-1)!.id;
  assert.throws(() => Handle.fromId(last + 100000), NotFoundError);
});

/**
 * clang leaves DATASEC sizes and VAR offsets at 0 in a `.o` (the loader fills them in from the
 * ELF): fill them from the section sizes and symbol values, as a loader would.
 */
function fixDatasecs(object: Uint8Array): Uint8Array {
  const elf = parseElf(object);
  const blob = btfSectionOf(object).slice();
  const spec = loadSpec(blob);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const symbols = readSymbols(elf);
  for (const t of spec.types()) {
    if (t.kind !== 'datasec') continue;
    const at = spec.section.offset(t.id - spec.firstId);
    const section = elf.section(t.name);
    view.setUint32(at + 8, section?.size ?? 0, true);
    t.vars.forEach((v, i) => {
      const sym = symbols.find((s) => s.name === spec.typeById(v.typeId)?.name);
      if (sym) view.setUint32(at + 12 + i * 12 + 4, Number(sym.value), true);
    });
  }
  return blob;
}

test('loadBtf: clang BTF is rejected with the kernel log until its DATASECs are fixed up', { skip }, () => {
  const before = openFds();
  const raw = btfSectionOf(readFileSync(KINDS_OBJECT));
  try {
    loadBtf(raw).close();
    // A kernel that accepts zero-sized DATASECs: nothing more to check.
  } catch (err) {
    assert.ok(err instanceof KernelError, String(err));
    assert.equal(err.code, 'EINVAL');
    assert.match(err.log ?? '', /DATASEC/);
  }
  const fixed = fixDatasecs(readFileSync(KINDS_OBJECT));
  const h = loadBtf(loadSpec(fixed));
  try {
    const info = h.info();
    assert.equal(info.kernelBtf, false);
    assert.equal(info.size, fixed.length);
    assert.ok(listBtfObjects().some((o) => o.id === info.id));
    assert.deepEqual(Buffer.from(h.bytes()), Buffer.from(fixed));
    assert.equal(h.spec().count, loadSpec(fixed).count);
  } finally {
    h.close();
  }
  assert.throws(
    () => loadBtf(new Uint8Array(24)),
    (e: Error) => e instanceof KernelError && e.code === 'EINVAL',
  );
  assert.equal(openFds(), before);
});
