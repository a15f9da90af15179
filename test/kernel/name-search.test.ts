/**
 * Finding types by name and kind across vmlinux and modules equals what each spec's own name
 * index says, whichever way the search goes (vmlinux by the per-kind name hash, modules by their
 * strings, with and without the string index built after a few searches), on the committed
 * kernel fixtures and on a vmlinux without modules.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSpec, loadSplitSpec, type Spec } from '../../src/btf/spec.js';
import type { TypeKind } from '../../src/btf/types.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { kernelFixtures } from '../fixtures.js';
import { kernelDir } from './support.js';

/** [object, type ID, kind, name] of every type named `name` (of `kind`): vmlinux, then modules by name. */
function expected(vm: Spec, modules: ReadonlyMap<string, Spec>, name: string, kind: TypeKind | undefined) {
  const out = vm.typesByName(name, kind).map((t) => ['vmlinux', t.id, t.kind, t.name]);
  for (const m of [...modules.keys()].sort()) {
    for (const t of modules.get(m)!.ownTypesByName(name, kind)) out.push([m, t.id, t.kind, t.name]);
  }
  return out;
}

const QUERIES: [string, TypeKind | undefined][] = [
  ['schedule', 'func'],
  ['task_struct', 'struct'],
  ['task_struct', 'fwd'],
  ['task_struct', undefined],
  ['btf_trace_sched_switch', 'typedef'],
  ['veth_xmit', 'func'],
  ['veth_rq', 'struct'],
  ['nf_conn', 'struct'],
  ['sk_buff', 'struct'],
  ['int', 'int'],
  ['tsbpf_no_such_name', 'func'],
  ['tsbpf_no_such_name', undefined],
];

for (const k of kernelFixtures()) {
  describe(`name search on ${k.release}`, () => {
    const vm = loadSpec(k.vmlinux, { name: 'vmlinux' });
    const modules = new Map([...k.modules].map(([m, bytes]) => [m, loadSplitSpec(bytes, vm, { name: m })]));

    test('every object, and vmlinux first, agree with the specs (before and after the string index)', () => {
      const r = new KernelRegistry({ dir: kernelDir(k) });
      // Twice: the first searches scan the raw strings, later ones use the index.
      for (let round = 0; round < 2; round++) {
        for (const [name, kind] of QUERIES) {
          const want = expected(vm, modules, name, kind);
          const got = r.find(name, kind).map((m) => [m.object, m.typeId, m.kind, m.name]);
          assert.deepEqual(got, want, `${name} ${kind}`);
          const first = r.find(name, kind, { vmlinuxFirst: true }).map((m) => [m.object, m.typeId, m.kind, m.name]);
          const inVmlinux = want.filter((w) => w[0] === 'vmlinux');
          assert.deepEqual(first, inVmlinux.length > 0 ? inVmlinux : want, `${name} ${kind} vmlinux first`);
          assert.deepEqual(
            r.find(`vmlinux:${name}`, kind).map((m) => [m.object, m.typeId, m.kind, m.name]),
            inVmlinux,
          );
          assert.deepEqual(
            r.find(`veth:${name}`, kind).map((m) => [m.object, m.typeId, m.kind, m.name]),
            want.filter((w) => w[0] === 'veth'),
            `veth:${name} ${kind}`,
          );
        }
      }
    });

    test('a vmlinux without modules: found in vmlinux alone', () => {
      const alone = KernelRegistry.fromSpecs(vm);
      for (const [name, kind] of QUERIES) {
        const want = expected(vm, new Map(), name, kind);
        assert.deepEqual(
          alone.find(name, kind).map((m) => [m.object, m.typeId, m.kind, m.name]),
          want,
          `${name} ${kind}`,
        );
      }
    });
  });
}
