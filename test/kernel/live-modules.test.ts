/**
 * Module BTF of the running kernel, with real modules loaded (veth, dummy, nf_conntrack): meant
 * for the VM guests (`bash test/vm/run.sh bookworm -- node --test build/test/kernel/live-modules.test.js`).
 * Skipped where /sys/kernel/btf/veth does not exist.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { bpftoolDump, have } from '../fixtures.js';
import { openFds } from './support.js';

const VETH = '/sys/kernel/btf/veth';
const skip = !existsSync(VETH)
  ? `${VETH} does not exist (no veth module loaded: run in the VM, test/vm/run.sh)`
  : process.getuid?.() !== 0
    ? 'needs root'
    : false;
if (skip) console.log(`# skipping live module tests: ${skip}`);

function bpftoolList(): { id: number; name: string; kernel: boolean }[] | undefined {
  if (!have('bpftool')) return undefined;
  const r = spawnSync('bpftool', ['-j', 'btf', 'list'], { encoding: 'utf8' });
  return r.status === 0 ? (JSON.parse(r.stdout) as { id: number; name: string; kernel: boolean }[]) : undefined;
}

test('the registry lists every module /sys/kernel/btf lists', { skip }, () => {
  const r = new KernelRegistry();
  const sysfs = readdirSync('/sys/kernel/btf')
    .filter((n) => n !== 'vmlinux')
    .sort();
  assert.deepEqual(r.modules(), sysfs);
});

test('veth_xmit is found in module veth with the ID the raw dump shows', { skip }, () => {
  const r = new KernelRegistry();
  const m = r.find('veth_xmit', 'func');
  assert.equal(m.length, 1);
  assert.equal(m[0]!.object, 'veth');
  assert.equal(r.decodedModules, 1);
  if (have('bpftool')) {
    const raw = bpftoolDump(VETH, { base: '/sys/kernel/btf/vmlinux' }).toString();
    assert.equal(m[0]!.typeId, Number(/^\[(\d+)\] FUNC 'veth_xmit'/m.exec(raw)![1]));
  }
});

test('module object IDs match bpftool btf list', { skip }, () => {
  const r = new KernelRegistry();
  const list = bpftoolList();
  for (const name of r.modules()) {
    const id = r.objectId(name);
    assert.equal(typeof id, 'number', `${name} has an object ID`);
    if (list) assert.equal(list.find((o) => o.kernel && o.name === name)?.id, id, name);
  }
  if (list) assert.equal(r.objectId('vmlinux'), list.find((o) => o.name === 'vmlinux')?.id);
});

test('the attach target of veth_xmit carries the veth BTF object', { skip }, () => {
  const before = openFds();
  const r = new KernelRegistry();
  const t = r.findAttachTarget('veth_xmit');
  try {
    assert.equal(t.object, 'veth');
    assert.ok(t.fd !== undefined && t.fd > 0);
    assert.equal(t.inVmlinux, false);
    assert.equal(t.handle?.info().name, 'veth');
    assert.equal(t.objectId, r.objectId('veth'));
    assert.equal(t.handle?.id, t.objectId);
    const spec = t.handle!.spec(r.vmlinux());
    assert.equal(spec.typeById(t.typeId)?.name, 'veth_xmit');
  } finally {
    t.close();
  }
  for (const q of ['dummy:dummy_dev_init', 'nf_conntrack:nf_conntrack_find_get']) {
    const [mod] = q.split(':');
    if (!existsSync(`/sys/kernel/btf/${mod}`)) continue;
    const x = r.findAttachTarget(q);
    assert.equal(x.handle?.name, mod);
    x.close();
  }
  assert.equal(openFds(), before);
});
