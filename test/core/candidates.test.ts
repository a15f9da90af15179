import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Builder, loadSpec, loadSplitSpec, type Spec } from '../../src/btf/index.js';
import {
  type CandidateObject,
  candidatesIn,
  essentialName,
  essentialNameLength,
  sameEssentialName,
  specCandidateSource,
} from '../../src/core/candidates.js';
import { kernelFixtures } from '../fixtures.js';

/** vmlinux and every committed module of one fixture kernel, vmlinux first. */
function objectsOf(release: string): CandidateObject[] {
  const k = kernelFixtures().find((f) => f.release === release);
  assert.ok(k, `fixture kernel ${release}`);
  const vmlinux = loadSpec(k.vmlinux);
  return [
    { name: 'vmlinux', spec: vmlinux },
    ...[...k.modules].map(([name, bytes]) => ({ name, spec: loadSplitSpec(bytes, vmlinux) })),
  ];
}

/** Every own type of `spec` whose essential name and kind match, by a full walk (the slow, obvious way). */
function byWalk(spec: Spec, essential: string, kind: string): number[] {
  const out: number[] = [];
  for (const t of spec.types()) if (t.kind === kind && t.name !== '' && essentialName(t.name) === essential) out.push(t.id);
  return out;
}

describe('essential names', () => {
  it("follow libbpf's rule: the text before the last X___Y separator", () => {
    const cases: [string, string][] = [
      ['task_struct', 'task_struct'],
      ['task_struct___v1', 'task_struct'],
      ['veth_rq___v2', 'veth_rq'],
      ['a___b___c', 'a___b'],
      ['btf_trace___extent_writepage', 'btf_trace'],
      ['___GFP_DMA_BIT', '___GFP_DMA_BIT'],
      ['__u32', '__u32'],
      ['x____y', 'x____y'],
      ['x___', 'x___'],
      ['x___y', 'x'],
      ['x___y_', 'x'],
      ['a_b___', 'a_b___'],
      ['', ''],
      ['ab', 'ab'],
    ];
    for (const [name, essential] of cases) {
      assert.equal(essentialName(name), essential, name);
      assert.equal(essentialNameLength(name), essential.length, name);
    }
    assert.ok(sameEssentialName('veth_rq', 'veth_rq___v2'));
    assert.ok(sameEssentialName('veth_rq___v1', 'veth_rq___v2'));
    assert.ok(!sameEssentialName('veth_rq', 'veth_rq_stats'));
    assert.ok(!sameEssentialName('a___b___c', 'a___c'));
  });
});

describe('specCandidateSource', () => {
  for (const k of kernelFixtures()) {
    it(`${k.release}: module-only types come from their module, vmlinux types from vmlinux`, () => {
      const objects = objectsOf(k.release);
      const source = specCandidateSource(objects);
      const veth = source.candidates('veth_rq', 'struct');
      assert.deepEqual(
        veth.map((g) => g.object.name),
        ['veth'],
      );
      const vethSpec = objects.find((o) => o.name === 'veth')!.spec;
      assert.deepEqual(
        veth[0]!.types.map((t) => t.id),
        byWalk(vethSpec, 'veth_rq', 'struct'),
      );
      assert.ok(veth[0]!.types.every((t) => t.id >= vethSpec.firstId && t.name === 'veth_rq'));
      // struct nf_conn is in vmlinux too (the core network stack refers to it); xfs_inode is xfs's own.
      assert.deepEqual(
        source.candidates('nf_conn', 'struct').map((g) => g.object.name),
        ['vmlinux'],
      );
      assert.deepEqual(
        source.candidates('xfs_inode', 'struct').map((g) => g.object.name),
        ['xfs'],
      );
      const task = source.candidates('task_struct', 'struct');
      assert.equal(task[0]?.object.name, 'vmlinux');
      assert.deepEqual(
        task[0]!.types.map((t) => t.id),
        byWalk(objects[0]!.spec, 'task_struct', 'struct'),
      );
      // A kind filters: there is no union task_struct, and FWDs are a kind of their own.
      assert.deepEqual(source.candidates('task_struct', 'union'), []);
      assert.deepEqual(source.candidates('no_such_type_anywhere', 'struct'), []);
      assert.deepEqual(source.candidates('', 'struct'), []);
    });
  }

  it('equal a full walk for every essential name of every kind, and validate nothing (bookworm vmlinux, xfs)', () => {
    const objects = objectsOf('bookworm');
    for (const o of [objects[0]!, objects.find((x) => x.name === 'xfs')!]) {
      const expected = new Map<string, number[]>();
      for (const t of o.spec.types()) {
        if (t.name === '') continue;
        const key = `${t.kind}\0${essentialName(t.name)}`;
        const l = expected.get(key);
        if (l) l.push(t.id);
        else expected.set(key, [t.id]);
      }
      assert.ok(expected.size > 1000, `${o.name}: ${expected.size} names`);
      for (const [key, ids] of expected) {
        const [kind, essential] = key.split('\0') as [string, string];
        if (essential === '') continue;
        const got = candidatesIn(o.spec, essential, kind as 'struct').map((t) => t.id);
        assert.deepEqual(got, ids, `${o.name}: ${key}`);
      }
      assert.equal(o.spec.validationRuns, 0, `${o.name}: looking up candidates validated the spec`);
      assert.equal(o.spec.indexed, false, `${o.name}: looking up candidates built the full name index`);
    }
  });

  it("finds the kernel's own flavoured names (bookworm btrfs: btf_trace___extent_writepage)", () => {
    const objects = objectsOf('bookworm');
    const btrfs = objects.find((o) => o.name === 'btrfs')!;
    const expected = byWalk(btrfs.spec, 'btf_trace', 'typedef');
    assert.ok(expected.length > 0);
    const got = candidatesIn(btrfs.spec, 'btf_trace', 'typedef').map((t) => t.id);
    assert.deepEqual(got, expected);
    assert.ok(got.some((id) => btrfs.spec.typeById(id)!.name === 'btf_trace___extent_writepage'));
  });

  it('returns exact and flavoured names of one kind in ID order, each object its own types only', () => {
    const b = new Builder();
    const int = b.addInt('int', 4, 1);
    const v2 = b.addStruct('foo___v2', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
    b.addUnion('foo', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
    const plain = b.addStruct('foo', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
    const v1 = b.addStruct('foo___v1', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
    b.addStruct('foo___', 4, []);
    b.addStruct('foo____x', 4, []);
    b.addStruct('foobar___v1', 4, []);
    const base = loadSpec(b.marshal());
    const m = new Builder({ base });
    const own = m.addStruct('foo___mod', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
    const mod = loadSplitSpec(m.marshal(), base);
    const source = specCandidateSource([
      { name: 'vmlinux', spec: base },
      { name: 'mod', spec: mod },
    ]);
    const groups = source.candidates('foo', 'struct');
    assert.deepEqual(
      groups.map((g) => [g.object.name, g.types.map((t) => t.id)]),
      [
        ['vmlinux', [v2, plain, v1]],
        ['mod', [own]],
      ],
    );
    assert.deepEqual(
      source.candidates('foo', 'union').map((g) => g.types.map((t) => t.name)),
      [['foo']],
    );
    // The last string of a table (no padding after it) is found too.
    const tail = new Builder();
    tail.addStruct('bar___z', 4, []);
    assert.deepEqual(
      candidatesIn(loadSpec(tail.marshal()), 'bar', 'struct').map((t) => t.name),
      ['bar___z'],
    );
    // A flavoured name is not an essential name: nothing is essentially 'foo___v1'.
    assert.deepEqual(source.candidates('foo___v1', 'struct'), []);
  });
});
