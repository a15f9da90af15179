/**
 * Clang-compiled programs whose CO-RE relocations and typed ksyms resolve in kernel modules'
 * BTF (test/fixtures/bpf/modules/): struct veth_priv and struct veth_rq read by an fentry on
 * veth_open, struct bpf_ct_opts sized and laid out from nf_conntrack's BTF by an XDP program
 * that creates and looks up a connection, and x_tables' per-CPU variable xt_recseq as a typed
 * __ksym. What the programs report is checked against what the test set up (interface indexes,
 * the tuple) or what the kernel lists (/proc/kallsyms). In the VM kernels, which load veth,
 * nf_conntrack and x_tables; skipped with the reason elsewhere. `tsbpf core explain` names the
 * modules as targets, on the committed Debian kernels' BTF (host) and on the running kernel.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSpec, loadSplitSpec } from '../../src/btf/index.js';
import { autoAttach } from '../../src/load/auto-attach.js';
import { Collection } from '../../src/load/collection.js';
import { cli } from '../cli/run.js';
import { kernelFixtures, ROOT, tempDir } from '../fixtures.js';
import { canBpf, openFds } from './support.js';

const DIR = join(ROOT, 'test/fixtures/bpf/modules');
const VETH = join(DIR, 'veth-core.bpf.o');
const CONNTRACK = join(DIR, 'conntrack-core.bpf.o');
const KSYM = join(DIR, 'module-ksym.bpf.o');

function needs(...modules: string[]): string | false {
  const root = canBpf();
  if (root) return root;
  for (const m of modules) if (!existsSync(`/sys/kernel/btf/${m}`)) return `module ${m} is not loaded (no /sys/kernel/btf/${m})`;
  return false;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error}`);
}

function ifindex(name: string): number {
  return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
}

/** The size of a struct that only `module`'s BTF (on the running kernel) describes. */
function moduleStructSize(module: string, name: string): number {
  const vmlinux = loadSpec(readFileSync('/sys/kernel/btf/vmlinux'));
  const spec = loadSplitSpec(readFileSync(`/sys/kernel/btf/${module}`), vmlinux);
  const [t] = spec.ownTypesByName(name, 'struct');
  assert.ok(t !== undefined && t.kind === 'struct', `struct ${name} in ${module}'s BTF`);
  return t.size;
}

interface Seen {
  ifindex: number;
  rq_ifindex: number;
  peer_ifindex: number;
  rq_dev_is_dev: number;
}

test('veth-core.bpf.o: an fentry reads struct veth_priv and struct veth_rq through CO-RE on veth', {
  skip: needs('veth'),
}, () => {
  const before = openFds();
  {
    using c = Collection.load(readFileSync(VETH), { name: 'veth-core.bpf.o' });
    const spec = c.spec.programs.find((p) => p.name === 'veth_open_core')!;
    const prog = c.programs.get('veth_open_core')!;
    assert.equal(prog.target?.object, 'veth');
    c.adopt(autoAttach(prog, spec)!);
    const a = `tsc${process.pid % 1000}a`;
    const b = `tsc${process.pid % 1000}b`;
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
    try {
      ip('link', 'set', a, 'up');
      ip('link', 'set', b, 'up');
      const ia = ifindex(a);
      const ib = ifindex(b);
      const opened = c.maps.get('opened')!;
      assert.deepEqual(opened.lookup(ia), { ifindex: ia, rq_ifindex: ia, peer_ifindex: ib, rq_dev_is_dev: 1 } satisfies Seen);
      assert.deepEqual(opened.lookup(ib), { ifindex: ib, rq_ifindex: ib, peer_ifindex: ia, rq_dev_is_dev: 1 } satisfies Seen);
    } finally {
      ip('link', 'del', a);
    }
  }
  assert.equal(openFds(), before);
});

test('conntrack-core.bpf.o: struct bpf_ct_opts from nf_conntrack sizes the kfuncs options; the connection is read back', {
  skip: needs('nf_conntrack'),
}, () => {
  // A tuple of this process (the entry stays in the conntrack table until its timeout).
  const tuple = { saddr: 0x0a_01_02_03, daddr: 0x0a_04_05_06, sport: 20000 + (process.pid % 40000), dport: 8080 };
  using c = Collection.load(readFileSync(CONNTRACK), { name: 'conntrack-core.bpf.o', constants: tuple });
  const r = c.programs.get('ct_core')!.testRun({ data: new Uint8Array(64) });
  assert.equal(r.retval, 2, 'XDP_PASS');
  const bss = c.maps.get('.bss')!.lookup(0) as Record<string, number | bigint>;
  const data = c.maps.get('.data')!.lookup(0) as Record<string, number | bigint>;
  assert.equal(bss.opts_size, moduleStructSize('nf_conntrack', 'bpf_ct_opts'), 'the module BTF size of struct bpf_ct_opts');
  assert.deepEqual(
    { missing: data.missing_error, alloc: data.alloc_error, lookup: data.lookup_error, inserted: bss.inserted },
    { missing: -2, alloc: 0, lookup: 0, inserted: 1 },
    'opts.error at its module offset: -ENOENT before the insert, 0 after',
  );
  assert.deepEqual(
    {
      saddr: bss.orig_saddr,
      daddr: bss.orig_daddr,
      sport: bss.orig_sport,
      dport: bss.orig_dport,
      l3num: bss.orig_l3num,
      protonum: bss.orig_protonum,
      replySaddr: bss.reply_saddr,
      replySport: bss.reply_sport,
    },
    { ...tuple, l3num: 2, protonum: 6, replySaddr: tuple.daddr, replySport: tuple.dport },
    'struct nf_conn read at its relocated offsets',
  );
  assert.equal(BigInt(bss.status!) & 8n, 8n, 'IPS_CONFIRMED after bpf_ct_insert_entry');
});

test('module-ksym.bpf.o: a typed __ksym of a module variable (x_tables xt_recseq) resolves with the module BTF', {
  skip: needs('x_tables'),
}, () => {
  const line = readFileSync('/proc/kallsyms', 'utf8')
    .split('\n')
    .find((l) => /^[0-9a-f]+ \S+ xt_recseq\t\[x_tables\]$/.test(l));
  assert.ok(line !== undefined, 'xt_recseq [x_tables] in /proc/kallsyms');
  const address = BigInt(`0x${line.split(' ')[0]}`);
  const before = openFds();
  {
    using c = Collection.load(readFileSync(KSYM), { name: 'module-ksym.bpf.o', constants: { target_tgid: process.pid } });
    const prog = c.programs.get('read_recseq')!;
    {
      using _link = autoAttach(prog, c.spec.programs.find((p) => p.name === 'read_recseq')!)!;
      void process.ppid;
    }
    const bss = c.maps.get('.bss')!.lookup(0) as Record<string, number | bigint>;
    const data = c.maps.get('.data')!.lookup(0) as Record<string, number | bigint>;
    assert.equal(bss.runs, 1);
    assert.equal(BigInt(bss.recseq_addr!), address, 'the address the kernel resolved is the module symbol');
    assert.equal(Number(data.recseq_sequence) % 2, 0, 'no table walk in progress: the sequence is even');
  }
  assert.equal(openFds(), before, 'the module BTF fd given with the ksym is closed after load');
});

interface Entry {
  program: string;
  kind: string;
  access: string;
  local: { id: number; name: string };
  target: { object: string; id: number; name: string } | null;
  new: number | string | null;
  poison: boolean;
}

async function explain(...args: string[]): Promise<Entry[]> {
  const r = await cli('core', 'explain', ...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { relocations: Entry[] }).relocations;
}

/** The module-type relocations of both objects: object of the target and new value, by local type. */
function checkModuleTargets(veth: Entry[], ct: Entry[], optsSize: number): void {
  const byLocal = (entries: Entry[], name: string) => entries.filter((e) => e.local.name === name);
  for (const name of ['veth_priv___local', 'veth_rq___local']) {
    const es = byLocal(veth, name);
    assert.ok(es.length > 0, name);
    for (const e of es)
      assert.deepEqual([e.target?.object, e.target?.name, e.poison], ['veth', name.replace('___local', ''), false]);
  }
  const opts = byLocal(ct, 'bpf_ct_opts___local');
  assert.ok(opts.length > 0);
  for (const e of opts) assert.deepEqual([e.target?.object, e.target?.name, e.poison], ['nf_conntrack', 'bpf_ct_opts', false]);
  assert.ok(opts.filter((e) => e.kind === 'type_size').every((e) => Number(e.new) === optsSize));
  // struct nf_conn is in Debian's vmlinux BTF too: libbpf's default anchors look no further.
  for (const e of byLocal(ct, 'nf_conn___local')) assert.equal(e.target?.object, 'vmlinux');
}

describe('tsbpf core explain names the modules as targets', () => {
  for (const k of kernelFixtures()) {
    if (!k.modules.has('veth') || !k.modules.has('nf_conntrack')) continue;
    // Pure computation on files: the same on the host as in a VM guest, where it would only cost time.
    const inGuest = process.env.TSBPF_VM_RELEASE !== undefined ? 'runs on the host (no kernel involved)' : false;
    test(`${k.release} (committed BTF)`, { skip: inGuest }, async () => {
      const dir = join(tempDir(), `module-core-${k.release}`);
      mkdirSync(dir, { recursive: true });
      for (const [name, bytes] of [
        ['vmlinux', k.vmlinux],
        ['veth', k.modules.get('veth')!],
        ['nf_conntrack', k.modules.get('nf_conntrack')!],
      ] as const)
        writeFileSync(join(dir, name), bytes);
      const vmlinux = loadSpec(k.vmlinux);
      const [opts] = loadSplitSpec(k.modules.get('nf_conntrack')!, vmlinux).ownTypesByName('bpf_ct_opts', 'struct');
      assert.ok(opts?.kind === 'struct');
      checkModuleTargets(await explain(VETH, '--btf-dir', dir), await explain(CONNTRACK, '--btf-dir', dir), opts.size);
    });
  }

  test('the running kernel', { skip: needs('veth', 'nf_conntrack') }, async () => {
    checkModuleTargets(await explain(VETH), await explain(CONNTRACK), moduleStructSize('nf_conntrack', 'bpf_ct_opts'));
  });
});
