/**
 * The registry on a (fake) running kernel: module BTF object IDs from the ID walk, a module
 * unloaded or reloaded between lookups, IDs vanishing mid-walk, and a walk that is not permitted.
 */
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/app.js';
import { KernelError, NotFoundError } from '../../src/errors.js';
import { listBtfObjects, walkKernelObjects } from '../../src/kernel/btf-objects.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { Errno, setSyscallImpl } from '../../src/sys/index.js';
import { kernelFixtures } from '../fixtures.js';
import { FakeKernel, kernelDir } from './support.js';

const k = kernelFixtures()[0];
const skip = k === undefined ? 'no kernel fixtures' : false;

function withKernel(fn: (fake: FakeKernel) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const fake = new FakeKernel();
    const previous = setSyscallImpl(fake);
    try {
      await fn(fake);
    } finally {
      setSyscallImpl(previous);
    }
  };
}

test(
  'module object IDs come from the walk; a reload is noticed; an unload ends the target',
  { skip },
  withKernel((fake) => {
    const fx = k!;
    fake.add({ id: 1, name: 'vmlinux', data: fx.vmlinux, kernel: true });
    let id = 10;
    for (const [name, data] of fx.modules) fake.add({ id: id++, name, data, kernel: true });
    fake.add({ id: 99, name: '', data: fx.modules.get('veth')!, kernel: false });
    const vethId = [...fake.objects.values()].find((o) => o.name === 'veth')!.id;
    const dir = kernelDir(fx);
    const r = new KernelRegistry({ dir, objectIds: true });
    assert.equal(r.live, true);

    const first = r.find('veth_xmit');
    assert.deepEqual(
      first.map((m) => [m.object, m.objectId]),
      [['veth', vethId]],
    );
    assert.equal(r.objectId('vmlinux'), 1);
    const target = r.findAttachTarget('veth_xmit');
    assert.equal(target.objectId, vethId);
    assert.equal(fake.fds.get(target.fd!), vethId, 'attach_btf_obj_fd names the veth object');
    target.close();
    assert.equal(fake.fds.size, 0, 'every descriptor closed');
    const decoded = r.decodedModules;

    // veth reloaded: a new object ID. The cached spec keyed on the old ID is dropped.
    fake.objects.delete(vethId);
    fake.add({ id: 200, name: 'veth', data: fx.modules.get('veth')!, kernel: true });
    assert.deepEqual(
      r.find('veth_xmit').map((m) => m.objectId),
      [200],
    );
    assert.equal(r.decodedModules, decoded + 1);

    // veth unloaded: gone from the walk and from the directory.
    fake.objects.delete(200);
    rmSync(join(dir, 'veth'));
    assert.deepEqual(r.find('veth_xmit'), []);
    assert.throws(() => r.findAttachTarget('veth_xmit'), NotFoundError);
    assert.throws(() => r.module('veth'), NotFoundError);
    assert.equal(fake.fds.size, 0);
  }),
);

test(
  'an attach target whose module unloads between the walk and the open is retried, then refused',
  { skip },
  withKernel((fake) => {
    const fx = k!;
    fake.add({ id: 1, name: 'vmlinux', data: fx.vmlinux, kernel: true });
    fake.add({ id: 5, name: 'veth', data: fx.modules.get('veth')!, kernel: true });
    const dir = kernelDir(fx);
    const r = new KernelRegistry({ dir, objectIds: true });
    assert.equal(r.find('veth_xmit')[0]?.objectId, 5);
    // The object vanishes for opens but the walk has not seen it go yet.
    fake.vanishing.add(5);
    assert.throws(() => r.findAttachTarget('veth_xmit'), /gone|unloaded/);
    // Reloaded under a new ID: the retry finds it.
    fake.vanishing.delete(5);
    fake.objects.delete(5);
    fake.add({ id: 6, name: 'veth', data: fx.modules.get('veth')!, kernel: true });
    const t = r.findAttachTarget('veth_xmit');
    assert.equal(t.objectId, 6);
    t.close();
    assert.equal(fake.fds.size, 0);
  }),
);

test(
  'module BTF objects are opened once and shared by every target and fd_array; a snapshot does not re-walk',
  { skip },
  withKernel((fake) => {
    const fx = k!;
    fake.add({ id: 1, name: 'vmlinux', data: fx.vmlinux, kernel: true });
    fake.add({ id: 7, name: 'veth', data: fx.modules.get('veth')!, kernel: true });
    fake.add({ id: 8, name: 'nf_conntrack', data: fx.modules.get('nf_conntrack')!, kernel: true });
    const r = new KernelRegistry({ dir: kernelDir(fx), objectIds: true });
    const a = r.findAttachTarget('veth_xmit');
    const b = r.findAttachTarget('veth:veth_open');
    assert.equal(a.fd, b.fd, 'one descriptor for veth');
    assert.ok(a.fd !== undefined && a.fd !== 0);
    assert.equal(r.openModuleHandles, 1);
    const vm = r.findAttachTarget('schedule');
    assert.deepEqual([vm.fd, vm.inVmlinux, vm.handle], [0, true, undefined]);

    const fds = r.fdArray();
    assert.equal(fds.slot('vmlinux'), 0);
    assert.equal(fds.slot('nf_conntrack'), 1);
    assert.equal(fds.slot('veth'), 2);
    assert.equal(fds.slot('nf_conntrack'), 1, 'one slot per module');
    assert.deepEqual([...fds.fds()], [0, fake.fds.size && [...fake.fds].find(([, id]) => id === 8)![0], a.fd]);
    assert.deepEqual(fds.modules, ['nf_conntrack', 'veth']);
    assert.equal(r.openModuleHandles, 2);

    a.close();
    a.close();
    assert.equal(fake.fds.size, 2, 'veth still held by the other target and the fd_array');
    fds.close();
    assert.equal(fake.fds.size, 1, 'nf_conntrack closed with the fd_array');
    b.close();
    assert.equal(fake.fds.size, 0, 'every descriptor closed');
    assert.equal(r.openModuleHandles, 0);

    // Direct lookups re-check the IDs each time; a snapshot checks once.
    let calls = fake.nextIdCalls;
    r.find('veth_xmit');
    r.find('veth_open');
    assert.equal(fake.nextIdCalls - calls, 2 * (fake.objects.size + 1));
    calls = fake.nextIdCalls;
    const view = r.snapshot();
    const once = fake.nextIdCalls - calls;
    assert.equal(once, fake.objects.size + 1);
    for (const name of ['veth_xmit', 'veth_open', 'schedule']) view.find(name);
    const t = view.findAttachTarget('veth_xmit');
    assert.equal(view.candidates('veth_rq', 'struct')[0]?.object.name, 'veth');
    assert.equal(fake.nextIdCalls - calls, once, 'no walk inside the snapshot');
    t.close();
    assert.equal(fake.fds.size, 0);
  }),
);

test(
  'IDs that vanish mid-walk are skipped',
  withKernel((fake) => {
    const data = new Uint8Array(24);
    fake.add({ id: 1, name: 'vmlinux', data, kernel: true });
    fake.add({ id: 2, name: 'veth', data, kernel: true });
    fake.add({ id: 3, name: 'dummy', data, kernel: true });
    fake.vanishing.add(2);
    assert.deepEqual(
      listBtfObjects().map((o) => o.name),
      ['vmlinux', 'dummy'],
    );
    const w = walkKernelObjects();
    assert.deepEqual([...w.modules.keys()], ['dummy']);
    assert.deepEqual(w.ids, [1, 2, 3]);
    assert.equal(fake.fds.size, 0);
  }),
);

test(
  'EPERM on the walk: no object IDs, a diagnostic, lookups still work; btf list fails clearly',
  { skip },
  withKernel(async (fake) => {
    fake.walkErrno = Errno.EPERM;
    const w = walkKernelObjects();
    assert.equal(w.modules.size, 0);
    assert.match(w.diagnostic ?? '', /EPERM.*root/);
    assert.throws(
      () => listBtfObjects(),
      (e: Error) => e instanceof KernelError && e.errno === Errno.EPERM,
    );

    const dir = kernelDir(k!);
    const warnings: string[] = [];
    const r = new KernelRegistry({ dir, objectIds: true, onWarning: (x) => warnings.push(x.message) });
    const m = r.find('veth_xmit');
    assert.deepEqual(
      m.map((x) => [x.object, x.objectId]),
      [['veth', undefined]],
    );
    assert.equal(warnings.length, 1);
    assert.throws(
      () => r.findAttachTarget('veth_xmit'),
      (e: Error) => e instanceof KernelError && /root/.test(e.message),
    );

    const err: string[] = [];
    const code = await runCli(['btf', 'list'], { out: () => {}, err: (l) => err.push(l) });
    assert.equal(code, 1);
    assert.match(err.join('\n'), /EPERM.*root/);
  }),
);

test('no sysfs directory and nothing to walk: a NotFoundError naming both', { skip }, () => {
  const fake = new FakeKernel();
  fake.walkErrno = Errno.EPERM;
  const previous = setSyscallImpl(fake);
  try {
    writeFileSync('/dev/null', '');
    const r = new KernelRegistry({ dir: '/nonexistent-btf-dir', objectIds: true });
    assert.throws(() => r.vmlinux(), NotFoundError);
  } finally {
    setSyscallImpl(previous);
  }
});
