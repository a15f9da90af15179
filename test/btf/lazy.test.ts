import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadSpec, loadSplitSpec } from '../../src/btf/index.js';
import { HOST_VMLINUX, kernelFixtures, readFixture } from '../fixtures.js';

const source = existsSync(HOST_VMLINUX) ? readFixture(HOST_VMLINUX) : kernelFixtures()[0]?.vmlinux;

describe('specs decode lazily and share their base', { skip: source ? false : 'no vmlinux BTF (host or fixture)' }, () => {
  test('opening vmlinux inflates no type and builds no name index', () => {
    const spec = loadSpec(source!);
    assert.ok(spec.count > 10000);
    assert.equal(spec.decodedCount, 0);
    assert.equal(spec.indexed, false);
  });

  test('the same ID gives the same object, decoded once', () => {
    const spec = loadSpec(source!);
    const a = spec.typeById(1);
    assert.equal(spec.typeById(1), a);
    assert.equal(spec.decodedCount, 1);
  });

  test('a name lookup inflates only what it returns', () => {
    const spec = loadSpec(source!);
    const [ts] = spec.typesByName('task_struct', 'struct');
    assert.ok(ts?.kind === 'struct' && ts.size > 1000);
    assert.ok(spec.indexed);
    assert.ok(spec.decodedCount < 10, `decoded ${spec.decodedCount}`);
    assert.equal(spec.typeByName('task_struct', 'struct'), ts);
    assert.deepEqual(spec.typesByName('no_such_type_name_anywhere'), []);
  });

  test('a full walk (dump) does not keep every type alive', () => {
    const spec = loadSpec(source!);
    let n = 0;
    for (let id = spec.firstId; id < spec.nextId; id++) if (spec.peekType(id)) n++;
    assert.equal(n, spec.count);
    assert.equal(spec.decodedCount, 0);
  });

  for (const k of kernelFixtures()) {
    test(`${k.release}: modules on one vmlinux share its decoder, cache and index`, () => {
      const vmlinux = loadSpec(k.vmlinux);
      const mods = [...k.modules.values()].map((b) => loadSplitSpec(b, vmlinux));
      const hits = mods.map((m) => m.typeByName('sk_buff', 'struct'));
      assert.ok(hits[0]);
      for (const h of hits) assert.equal(h, hits[0]);
      assert.equal(vmlinux.decodedCount, 1, 'one struct sk_buff object serves every module');
    });
  }
});
