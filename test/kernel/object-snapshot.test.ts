/**
 * Noticing that the kernel's BTF objects changed: modules coming, going or reloading count; the
 * BTF of programs (which every object load adds, then removes) does not.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObjectSnapshot } from '../../src/kernel/object-snapshot.js';
import { setSyscallImpl } from '../../src/sys/index.js';
import { FakeKernel } from './support.js';

function withKernel(fn: (fake: FakeKernel) => void): () => void {
  return () => {
    const fake = new FakeKernel();
    const previous = setSyscallImpl(fake);
    try {
      fn(fake);
    } finally {
      setSyscallImpl(previous);
    }
  };
}

const data = new Uint8Array(24);

test(
  "programs' BTF objects coming and going are no change; a program BTF is opened once",
  withKernel((fake) => {
    fake.add({ id: 1, name: 'vmlinux', data, kernel: true });
    fake.add({ id: 2, name: 'veth', data, kernel: true });
    fake.add({ id: 3, name: '', data, kernel: false });
    const s = ObjectSnapshot.take();
    assert.equal(s.changed(), false);
    fake.objects.delete(3);
    assert.equal(s.changed(), false, 'a program BTF closed');
    fake.add({ id: 4, name: '', data, kernel: false });
    const opened = fake.opened;
    assert.equal(s.changed(), false, 'a program BTF loaded');
    assert.equal(fake.opened, opened + 1, 'the new ID is opened to see what it is');
    assert.equal(s.changed(), false);
    assert.equal(fake.opened, opened + 1, 'and not again');
    assert.equal(fake.fds.size, 0, 'every descriptor closed');
  }),
);

test(
  'a module loaded, unloaded or reloaded is a change',
  withKernel((fake) => {
    fake.add({ id: 1, name: 'vmlinux', data, kernel: true });
    fake.add({ id: 2, name: 'veth', data, kernel: true });
    const s = ObjectSnapshot.take();
    fake.add({ id: 5, name: 'dummy', data, kernel: true });
    assert.equal(s.changed(), true, 'loaded');
    fake.objects.delete(5);
    assert.equal(s.changed(), false);
    fake.objects.delete(2);
    assert.equal(s.changed(), true, 'unloaded');
    fake.add({ id: 6, name: 'veth', data, kernel: true });
    assert.equal(s.changed(), true, 'reloaded under a new ID');
    assert.equal(ObjectSnapshot.take().changed(), false);
  }),
);

test(
  'an ID that vanishes before it can be opened is no change',
  withKernel((fake) => {
    fake.add({ id: 1, name: 'vmlinux', data, kernel: true });
    const s = ObjectSnapshot.take();
    fake.add({ id: 7, name: 'veth', data, kernel: true });
    fake.vanishing.add(7);
    assert.equal(s.changed(), false);
  }),
);
