/**
 * The registry as CO-RE's candidate source, and its other seams for the loader, against the
 * committed kernel fixtures (bookworm, trixie, sid: vmlinux + veth, nf_conntrack, xfs, btrfs):
 * the registry must give exactly what a plain list of every decoded spec gives
 * (specCandidateSource), decoding only the modules that can hold the name.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Builder } from '../../src/btf/builder.js';
import { loadSpec, loadSplitSpec, type Spec } from '../../src/btf/spec.js';
import { type DeclTag, KIND_BY_NUMBER, type TypeKind } from '../../src/btf/types.js';
import { type CandidateSource, specCandidateSource } from '../../src/core/candidates.js';
import { UsageError } from '../../src/errors.js';
import { BtfAttachType } from '../../src/kernel/attach-target.js';
import { directoryCandidateSource } from '../../src/kernel/core-candidates.js';
import { KernelRegistry } from '../../src/kernel/registry.js';
import { kernelFixtures } from '../fixtures.js';
import { kernelDir } from './support.js';

const kernels = kernelFixtures();

/** Candidates as (object, [id name]) pairs, comparable across sources. */
function flat(source: CandidateSource, essential: string, kind: TypeKind): [string, [number, string][]][] {
  return source.candidates(essential, kind).map((g) => [g.object.name, g.types.map((t) => [t.id, t.name] as [number, string])]);
}

/** A module split on `vm` holding `struct veth_rq___v2` and `struct nf_conn___old`. */
function flavouredModule(vm: Spec): Uint8Array {
  const b = new Builder({ base: vm });
  const int = vm.typeByName('int', 'int')!.id;
  b.addStruct('veth_rq___v2', 8, [{ name: 'xdp_prog', typeId: int, bitOffset: 0 }]);
  b.addStruct('nf_conn___old', 4, [{ name: 'status', typeId: int, bitOffset: 0 }]);
  b.addStruct('tsbpf_only_here', 4, [{ name: 'x', typeId: int, bitOffset: 0 }]);
  return b.marshal();
}

for (const k of kernels) {
  describe(`registry seams on ${k.release}`, () => {
    const vm = loadSpec(k.vmlinux, { name: 'vmlinux' });
    const extra = flavouredModule(vm);
    const dir = kernelDir(k, { zz_flavours: extra });
    /** vmlinux first, then every module by name: what the registry must equal. */
    const plain = (): CandidateSource => {
      const v = loadSpec(k.vmlinux, { name: 'vmlinux' });
      const mods = new Map([...k.modules, ['zz_flavours', extra]]);
      const objects = [{ name: 'vmlinux', spec: v }];
      for (const name of [...mods.keys()].sort()) objects.push({ name, spec: loadSplitSpec(mods.get(name)!, v, { name }) });
      return specCandidateSource(objects);
    };

    test('candidates by essential name equal a plain spec list, decoding only modules that hold the name', () => {
      const r = new KernelRegistry({ dir });
      const list = plain();
      const vethRq = flat(r, 'veth_rq', 'struct');
      assert.deepEqual(vethRq, flat(list, 'veth_rq', 'struct'));
      assert.deepEqual(
        vethRq.map(([o, t]) => [o, t.map(([, n]) => n)]),
        [
          ['veth', ['veth_rq']],
          ['zz_flavours', ['veth_rq___v2']],
        ],
      );
      assert.equal(r.decodedModules, 2, 'veth and the module with the flavoured name');
      // vmlinux holds task_struct; no module has its own.
      assert.deepEqual(flat(r, 'task_struct', 'struct'), flat(list, 'task_struct', 'struct'));
      assert.equal(flat(r, 'task_struct', 'struct')[0]?.[0], 'vmlinux');
      // A module-only type, a flavoured one beside vmlinux's, and names nobody has.
      for (const [name, kind] of [
        ['nf_conn', 'struct'],
        ['xfs_inode', 'struct'],
        ['btrfs_fs_info', 'struct'],
        ['tsbpf_only_here', 'struct'],
        ['veth_xmit', 'func'],
        ['no_such_type_anywhere', 'struct'],
        ['nf_conn', 'union'],
      ] as const) {
        assert.deepEqual(flat(r, name, kind), flat(list, name, kind), `${name} ${kind}`);
      }
      assert.equal(flat(r, 'nf_conn', 'struct').at(-1)?.[0], 'zz_flavours', 'nf_conn___old is a candidate for nf_conn');
      // Each object is one stable CandidateObject, named like the spec.
      const [a] = r.candidates('veth_rq', 'struct');
      const [b] = r.candidates('veth_rq', 'struct');
      assert.equal(a?.object, b?.object);
      assert.equal(a?.object.spec.name, 'veth');
    });

    test("libbpf's policy: modules only when vmlinux has no candidate", () => {
      const r = new KernelRegistry({ dir });
      const source = r.candidateSource({ modules: 'if-none-in-vmlinux' });
      assert.deepEqual(
        flat(source, 'task_struct', 'struct').map(([o]) => o),
        ['vmlinux'],
      );
      assert.equal(r.decodedModules, 0);
      assert.deepEqual(
        flat(source, 'veth_rq', 'struct').map(([o]) => o),
        ['veth', 'zz_flavours'],
      );
    });

    test('many names: byte scans, then the string index, both equal a plain spec list', () => {
      const r = new KernelRegistry({ dir });
      const list = plain();
      const vmStrings = loadSpec(k.vmlinux).strings.end;
      // Module types named by their own strings and by vmlinux's (split BTF shares its base's
      // strings), and flavoured ones: more names than are scanned before the index is built.
      const names: [string, TypeKind][] = [['veth_rq', 'struct']];
      for (const m of [...k.modules.keys(), 'zz_flavours'].sort()) {
        const spec = r.module(m);
        let own = 0;
        let shared = 0;
        for (let i = 0; i < spec.count && own + shared < 12; i++) {
          const off = spec.section.nameOff(i);
          const t = spec.typeById(spec.firstId + i)!;
          if (off === 0 || !['struct', 'union', 'enum', 'typedef', 'func'].includes(t.kind)) continue;
          if (off < vmStrings ? shared++ < 6 : own++ < 6) names.push([t.name.replace(/___.*/, ''), t.kind]);
        }
      }
      assert.ok(names.length > 20, `${names.length} names`);
      const fresh = new KernelRegistry({ dir });
      for (const [name, kind] of names) {
        assert.deepEqual(flat(fresh, name, kind), flat(list, name, kind), `${name} ${kind}`);
      }
    });

    test('a directory candidate source (no registry) equals a plain spec list, under both policies', () => {
      const list = plain();
      const all = directoryCandidateSource(dir);
      const first = directoryCandidateSource(dir, { modules: 'if-none-in-vmlinux' });
      for (const [name, kind] of [
        ['veth_rq', 'struct'],
        ['task_struct', 'struct'],
        ['nf_conn', 'struct'],
        ['xfs_inode', 'struct'],
        ['tsbpf_only_here', 'struct'],
        ['no_such_type_anywhere', 'struct'],
      ] as const) {
        const expected = flat(list, name, kind);
        assert.deepEqual(flat(all, name, kind), expected, `${name} ${kind}`);
        const vmlinuxOnly = expected.filter(([o]) => o === 'vmlinux');
        assert.deepEqual(
          flat(first, name, kind),
          vmlinuxOnly.length > 0 ? vmlinuxOnly : expected,
          `${name} ${kind} (vmlinux first)`,
        );
      }
    });

    test('the vmlinuxFirst hint (a default CoreRelocator asks with it) spares the modules', () => {
      const r = new KernelRegistry({ dir });
      assert.deepEqual(
        flat({ candidates: (n, k) => r.candidates(n, k, { vmlinuxFirst: true }) }, 'nf_conn', 'struct').map(([o]) => o),
        ['vmlinux'],
      );
      assert.equal(r.decodedModules, 0, 'no module decoded for a name vmlinux has');
      assert.deepEqual(
        flat(r.snapshot(), 'nf_conn', 'struct').map(([o]) => o),
        ['vmlinux', 'zz_flavours'],
        'without the hint, every module as before',
      );
      const list = plain();
      assert.deepEqual(
        flat({ candidates: (n, k) => list.candidates(n, k, { vmlinuxFirst: true }) }, 'veth_rq', 'struct'),
        flat(list, 'veth_rq', 'struct'),
        'modules still answer when vmlinux has none',
      );
    });

    test("libbpf's policy decides over both enum kinds at once: vmlinux's enum keeps modules out", () => {
      const r = new KernelRegistry({ dir });
      const source = r.candidateSource({ modules: 'if-none-in-vmlinux' });
      const both = source.candidates('bpf_map_type', ['enum', 'enum64']);
      assert.deepEqual(
        both.map((g) => g.object.name),
        ['vmlinux'],
      );
      assert.equal(r.decodedModules, 0, 'no module searched for an enum64 vmlinux lacks');
    });

    test('a module is validated once, through its spec', () => {
      const r = new KernelRegistry({ dir });
      const btrfs = r.module('btrfs');
      assert.equal(btrfs.validated, true);
      assert.equal(btrfs.validationRuns, 1);
      btrfs.typesByName('btrfs_fs_info');
      r.find('btrfs_sync_fs');
      assert.equal(r.module('btrfs'), btrfs);
      assert.equal(btrfs.validationRuns, 1, 'not validated again');
      assert.equal(btrfs.name, 'btrfs');
      assert.equal(btrfs.typeByName('btrfs_fs_info', 'struct')?.spec, btrfs, 'its types name their object');
    });

    test('adopts a vmlinux the caller opened, and specs in memory', () => {
      const own = loadSpec(k.vmlinux, { name: 'vmlinux' });
      const adopted = new KernelRegistry({ dir, vmlinux: own });
      assert.equal(adopted.vmlinux(), own);
      assert.equal(adopted.module('veth').base, own);
      const veth = loadSplitSpec(k.modules.get('veth')!, own, { name: 'veth' });
      const memory = KernelRegistry.fromSpecs(own, new Map([['veth', veth]]));
      assert.equal(memory.source, 'specs in memory');
      assert.deepEqual(memory.modules(), ['veth']);
      assert.equal(memory.module('veth'), veth);
      assert.deepEqual(
        memory.find('veth_xmit').map((m) => [m.object, m.spec]),
        [['veth', veth]],
      );
      assert.deepEqual(
        memory.candidates('veth_rq', 'struct').map((g) => g.object.spec),
        [veth],
      );
      const other = loadSpec(k.vmlinux);
      assert.throws(() => KernelRegistry.fromSpecs(other, new Map([['veth', veth]])), UsageError);
      // A merged blob (or any single spec) stands alone.
      const alone = KernelRegistry.fromSpecs(own);
      assert.deepEqual(alone.modules(), []);
      assert.equal(alone.find('schedule', 'func')[0]?.object, 'vmlinux');
    });

    test('program attach targets by attach type: btf_trace_, bpf_lsm_, bpf_iter_ and plain names', () => {
      const r = new KernelRegistry({ dir });
      const v = r.vmlinux();
      const cases: [number, string, string, TypeKind][] = [
        [BtfAttachType.BPF_TRACE_RAW_TP, 'sched_switch', 'btf_trace_sched_switch', 'typedef'],
        [BtfAttachType.BPF_LSM_MAC, 'file_open', 'bpf_lsm_file_open', 'func'],
        [BtfAttachType.BPF_TRACE_ITER, 'task', 'bpf_iter_task', 'func'],
        [BtfAttachType.BPF_TRACE_FENTRY, 'schedule', 'schedule', 'func'],
      ];
      for (const [type, name, btfName, kind] of cases) {
        const want = v.typeByName(btfName, kind);
        if (!want) continue; // a kernel built without this hook
        const t = r.findProgramTarget(type, name);
        assert.deepEqual([t.object, t.typeId, t.name, t.kind, t.fd], ['vmlinux', want.id, btfName, kind, 0], name);
      }
      const veth = r.findProgramTarget(BtfAttachType.BPF_TRACE_FEXIT, 'veth:veth_xmit');
      assert.equal(veth.object, 'veth');
      assert.equal(veth.fd, undefined, 'not the running kernel: no fd, never 0');
    });

    test('DECL_TAGs by value equal a scan of every spec', () => {
      const r = new KernelRegistry({ dir });
      const list = [r.vmlinux(), ...r.modules().map((m) => r.module(m))];
      for (const value of ['bpf_kfunc', 'bpf_fastcall']) {
        // The reference: every record of kind DECL_TAG named `value`, read off the raw sections.
        const want: [string, number, number][] = [];
        for (const s of list) {
          const section = s.section;
          for (let i = 0; i < section.count; i++) {
            if (KIND_BY_NUMBER[section.kind(i)] !== 'decl_tag' || s.strings.lookup(section.nameOff(i)) !== value) continue;
            const t = s.typeById(s.firstId + i) as DeclTag;
            want.push([s.name, t.typeId, t.componentIdx]);
          }
        }
        const index = r.declTags(value);
        assert.deepEqual(
          index.matches.map((d) => [d.object, d.targetId, d.componentIdx]),
          want,
          value,
        );
        for (const d of index.matches) assert.ok(index.on(d.object, d.targetId).includes(d));
        if (value === 'bpf_kfunc' && want.length > 0) {
          const d = index.matches[0]!;
          assert.equal(index.tags(d.object, d.targetId), d.componentIdx === -1);
          assert.equal(d.target.kind, 'func');
          // nf_conntrack's kfuncs are found in the module, by name.
          const ct = index.matches.filter((m) => m.object === 'nf_conntrack').map((m) => m.target.name);
          if (ct.length > 0) assert.ok(ct.includes('bpf_xdp_ct_lookup'), ct.join(' '));
        }
      }
    });
  });
}
