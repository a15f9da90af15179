/**
 * Live maps on the host kernel (root): every operation, keys and values through BTF, per-CPU
 * values, batches, freeze, pinning.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Builder } from '../../src/btf/builder.js';
import { loadSpec, type Spec } from '../../src/btf/spec.js';
import { KernelError, TsbpfError } from '../../src/errors.js';
import { BpfMap } from '../../src/load/map.js';
import { possibleCpus } from '../../src/load/possible-cpus.js';
import { btfLoad } from '../../src/sys/btf.js';
import { mapInfo } from '../../src/sys/info.js';
import { UpdateFlags } from '../../src/sys/map.js';
import { MapType } from '../../src/sys/map-type.js';
import { canBpf, privateBpffs } from './support.js';

interface Types {
  spec: Spec;
  bytes: Uint8Array;
  key: number;
  value: number;
  u32: number;
  u64: number;
}

/** struct key { u32 pid; char comm[16]; }; struct val { u64 count; enum state st; u32 flags:3, mode:5; } */
function types(): Types {
  const b = new Builder();
  const u32 = b.addInt('unsigned int', 4);
  const u64 = b.addInt('unsigned long long', 8);
  const ch = b.addInt('char', 1, 1);
  const comm = b.addArray(ch, u32, 16);
  const key = b.addStruct('key', 20, [
    { name: 'pid', typeId: u32, bitOffset: 0 },
    { name: 'comm', typeId: comm, bitOffset: 32 },
  ]);
  const state = b.addEnum('state', 4, [
    { name: 'IDLE', value: 0 },
    { name: 'BUSY', value: 7 },
  ]);
  const value = b.addStruct('val', 24, [
    { name: 'count', typeId: u64, bitOffset: 0 },
    { name: 'st', typeId: state, bitOffset: 64 },
    { name: 'flags', typeId: u32, bitOffset: 96, bitfieldSize: 3 },
    { name: 'mode', typeId: u32, bitOffset: 99, bitfieldSize: 5 },
  ]);
  const bytes = b.marshal();
  return { spec: loadSpec(bytes), bytes, key, value, u32, u64 };
}

test('hash map with BTF: update, lookup, iterate, delete, flags', { skip: canBpf() }, () => {
  const t = types();
  const btfFd = btfLoad(t.bytes);
  using map = BpfMap.create({
    name: 'tsbpf_hash',
    type: MapType.HASH,
    keySize: 20,
    valueSize: 24,
    maxEntries: 16,
    btf: {
      spec: t.spec,
      key: t.spec.typeById(t.key),
      value: t.spec.typeById(t.value),
      fd: btfFd,
      keyTypeId: t.key,
      valueTypeId: t.value,
    },
  });
  btfFd.close();
  const info = mapInfo(map.fd);
  assert.equal(info.name, 'tsbpf_hash');
  assert.equal(info.btfKeyTypeId, t.key);
  assert.equal(info.btfValueTypeId, t.value);
  assert.ok(info.btfId > 0);

  map.update({ pid: 1, comm: 'init' }, { count: 5n, st: 'BUSY', flags: 5, mode: 17 });
  map.update({ pid: 42, comm: 'node' }, { count: 2n ** 63n + 1n, st: 'IDLE' });
  assert.deepEqual(map.lookup({ pid: 1, comm: 'init' }), { count: 5n, st: 'BUSY', flags: 5, mode: 17 });
  assert.deepEqual(map.lookup({ pid: 42, comm: 'node' }), { count: 2n ** 63n + 1n, st: 'IDLE', flags: 0, mode: 0 });
  assert.equal(map.lookup({ pid: 2, comm: 'init' }), undefined);
  // The raw bytes agree with the C layout: count at 0, st at 8, flags in bits 96..98.
  const raw = map.lookupBytes({ pid: 1, comm: 'init' })!;
  assert.equal(new DataView(raw.buffer).getUint32(8, true), 7);
  assert.equal(raw[12]! & 7, 5);
  assert.equal((raw[12]! >> 3) & 31, 17);

  const keys = [...map.keys()].map((k) => (k as { pid: number }).pid).sort((a, b) => a - b);
  assert.deepEqual(keys, [1, 42]);
  assert.equal([...map.entries()].length, 2);

  assert.throws(
    () => map.update({ pid: 1, comm: 'init' }, { count: 1n }, UpdateFlags.NOEXIST),
    (e: unknown) => e instanceof KernelError && e.code === 'EEXIST',
  );
  assert.throws(() => map.update({ pid: 1, comm: 'init' }, { st: 'NOPE' }), /no enumerator named 'NOPE'/);
  assert.throws(() => map.update({ pid: 1, comm: 'a name longer than sixteen' }, { count: 1n }), TsbpfError);
  assert.throws(() => map.update({ pid: 1, nope: 1 }, { count: 1n }), /no field named 'nope'/);

  assert.equal(map.delete({ pid: 1, comm: 'init' }), true);
  assert.equal(map.delete({ pid: 1, comm: 'init' }), false);
  assert.equal([...map.keys()].length, 1);
});

test('batch update, lookup and delete', { skip: canBpf() }, () => {
  using map = BpfMap.create({ name: 'tsbpf_batch', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1024 });
  const entries: [number, bigint][] = Array.from({ length: 600 }, (_, i) => [i, BigInt(i) * 3n]);
  assert.equal(map.updateBatch(entries), 600);
  const seen = new Map<number, bigint>();
  for (const [k, v] of map.batchEntries(128)) {
    seen.set(map.decodeKey(k) as number, map.decodeValue(v) as bigint);
  }
  assert.equal(seen.size, 600);
  assert.equal(seen.get(599), 1797n);
  assert.equal(map.deleteBatch([0, 1, 2]), 3);
  assert.equal(map.lookup(1), undefined);
  assert.equal(map.lookup(3), 9n);
  assert.equal([...map.keys()].length, 597);
});

test('per-CPU array: one value per possible CPU', { skip: canBpf() }, () => {
  using map = BpfMap.create({ name: 'tsbpf_pcpu', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
  const cpus = possibleCpus();
  const values = Array.from({ length: cpus }, (_, i) => new Uint8Array([i + 1, 0, 0, 0]));
  map.update(1, values);
  const got = map.lookup(1) as number[];
  assert.equal(got.length, cpus);
  assert.deepEqual(
    got,
    values.map((_, i) => i + 1),
  );
  assert.throws(() => map.update(0, [new Uint8Array(4)]), /possible CPUs/);
});

test('array: freeze makes it read-only for user space', { skip: canBpf() }, () => {
  using map = BpfMap.create({ name: 'tsbpf_frozen', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 });
  map.update(2, 77n);
  assert.throws(() => map.delete(2), KernelError);
  map.freeze();
  assert.equal(map.lookup(2), 77n);
  assert.throws(
    () => map.update(2, 1n),
    (e: unknown) => e instanceof KernelError && e.code === 'EPERM',
  );
});

test('queue: push and pop without keys', { skip: canBpf() }, () => {
  using map = BpfMap.create({ name: 'tsbpf_queue', type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 4 });
  map.update(undefined, 10);
  map.update(undefined, 20);
  assert.equal(map.lookupAndDelete(), 10);
  assert.equal(map.lookupAndDelete(), 20);
  assert.equal(map.lookupAndDelete(), undefined);
});

test('pinning: pin, reopen by path, reuse a compatible pin, refuse an incompatible one', { skip: canBpf() }, (t) => {
  const fs = privateBpffs();
  if (typeof fs === 'string') {
    t.skip(fs);
    return;
  }
  const dir = fs.dir;
  try {
    const options = { name: 'tsbpf_pinned', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 8 };
    const first = BpfMap.createPinned(options, `${dir}/m`);
    first.update(1, 11);
    const again = BpfMap.createPinned(options, `${dir}/m`);
    assert.equal(again.lookup(1), 11, 'reused the pinned map');
    assert.throws(() => BpfMap.createPinned({ ...options, valueSize: 8 }, `${dir}/m`), /has valueSize 4, the object wants 8/);
    const opened = BpfMap.open(`${dir}/m`);
    assert.equal(opened.lookup(1), 11);
    assert.equal(opened.maxEntries, 8);
    opened.unpin();
    assert.equal(existsSync(`${dir}/m`), false);
    for (const m of [first, again, opened]) m.close();
  } finally {
    fs.done();
  }
});

test('an impossible map fails with a KernelError naming it', { skip: canBpf() }, () => {
  assert.throws(
    () => BpfMap.create({ name: 'bad', type: MapType.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 }),
    (e: unknown) => e instanceof KernelError && /map bad/.test(e.message),
  );
});
