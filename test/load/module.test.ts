/**
 * Programs on kernel modules, for the VM kernels (veth and nf_conntrack loaded): fentry and
 * fexit on a veth function fire when a veth pair comes up, a kprobe on a module function, an
 * XDP program calling nf_conntrack's kfuncs, `tsbpf trace veth:veth_open`, and a target in no
 * object. Skipped, with the reason, where the modules are not loaded (the host has none).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Instruction } from '../../src/asm/instruction.js';
import { NotFoundError } from '../../src/errors.js';
import { attachKprobe } from '../../src/link/kprobe.js';
import { attachTracing } from '../../src/link/tracing.js';
import { sharedKernelBtf } from '../../src/load/kernel-btf.js';
import { KfuncTable } from '../../src/load/kfunc-table.js';
import { BpfMap } from '../../src/load/map.js';
import { Program } from '../../src/load/program.js';
import { AttachType } from '../../src/sys/attach-type.js';
import { MapType } from '../../src/sys/map-type.js';
import { ProgType } from '../../src/sys/prog-type.js';
import { cli } from '../cli/run.js';
import { countInto } from './insns.js';
import { canBpf, openFds } from './support.js';

function needs(module: string): string | false {
  const root = canBpf();
  if (root) return root;
  if (!existsSync(`/sys/kernel/btf/${module}`)) return `module ${module} is not loaded (no /sys/kernel/btf/${module})`;
  return false;
}

let pairs = 0;
/** Creates a veth pair and brings both ends up (veth_open runs once per end); returns a remover. */
function vethPair(): () => void {
  const a = `tsb${process.pid % 1000}x${pairs++}`;
  const run = (...args: string[]) => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error}`);
  };
  run('link', 'add', `${a}a`, 'type', 'veth', 'peer', 'name', `${a}b`);
  run('link', 'set', `${a}a`, 'up');
  run('link', 'set', `${a}b`, 'up');
  return () => run('link', 'del', `${a}a`);
}

for (const [kind, expected] of [
  ['fentry', AttachType.TRACE_FENTRY],
  ['fexit', AttachType.TRACE_FEXIT],
] as const) {
  test(`${kind} on veth:veth_open counts the ends of a new veth pair`, { skip: needs('veth') }, () => {
    using map = BpfMap.create({ name: 'calls', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    using prog = Program.load({
      name: `veth_${kind}`,
      type: ProgType.TRACING,
      expectedAttachType: expected,
      attachTo: 'veth_open',
      instructions: countInto(map.fd.raw),
    });
    assert.equal(prog.target?.object, 'veth', 'found in the module after vmlinux');
    const info = prog.info();
    assert.equal(info.attachBtfId, prog.target?.typeId);
    assert.ok(info.attachBtfObjId > 1, `attached to the module's BTF object (${info.attachBtfObjId}), not vmlinux's`);
    {
      using _link = attachTracing(prog);
      vethPair()();
      vethPair()();
    }
    assert.equal(map.lookup(0), 4n, 'veth_open ran once per end of two pairs');
    vethPair()();
    assert.equal(map.lookup(0), 4n, 'detached on close');
  });
}

test('a kprobe on a module function (veth:veth_open)', { skip: needs('veth') }, () => {
  using map = BpfMap.create({ name: 'calls', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  using prog = Program.load({ name: 'veth_kprobe', type: ProgType.KPROBE, instructions: countInto(map.fd.raw) });
  {
    using _link = attachKprobe(prog, 'veth:veth_open');
    vethPair()();
  }
  assert.equal(map.lookup(0), 2n);
});

/**
 * XDP: looks a TCP tuple up with bpf_xdp_ct_lookup (nf_conntrack), releases what it found with
 * bpf_ct_release, stores opts.error in map key 0, returns XDP_PASS.
 */
function conntrackProgram(
  lookup: { btfId: number; slot: number },
  release: { btfId: number; slot: number },
  mapFd: number,
): Instruction[] {
  const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });
  return [
    i(0xbf, 6, 1), // r6 = ctx
    i(0x7a, 10, 0, -16, 0), // tuple (12 bytes, zero) at fp-16
    i(0x7a, 10, 0, -8, 0),
    i(0x7a, 10, 0, -32, 0), // opts (16 bytes) at fp-32
    i(0x7a, 10, 0, -24, 0),
    i(0x62, 10, 0, -32, -1), // opts.netns_id = BPF_F_CURRENT_NETNS
    i(0x72, 10, 0, -24, 6), // opts.l4proto = IPPROTO_TCP
    i(0xbf, 1, 6), // r1 = ctx
    i(0xbf, 2, 10),
    i(0x07, 2, 0, 0, -16), // r2 = &tuple
    i(0xb7, 3, 0, 0, 12), // r3 = sizeof(tuple.ipv4)
    i(0xbf, 4, 10),
    i(0x07, 4, 0, 0, -32), // r4 = &opts
    i(0xb7, 5, 0, 0, 12), // r5 = NF_BPF_CT_OPTS_SZ (12, accepted by every release)
    i(0x85, 0, 2, lookup.slot, lookup.btfId), // call bpf_xdp_ct_lookup (kfunc)
    i(0x15, 0, 0, 2, 0), // if r0 == 0 goto +2
    i(0xbf, 1, 0), // r1 = ct
    i(0x85, 0, 2, release.slot, release.btfId), // call bpf_ct_release (kfunc)
    i(0x62, 10, 0, -36, 0), // key = 0
    i(0x18, 1, 1, 0, mapFd),
    i(0, 0, 0, 0, 0),
    i(0xbf, 2, 10),
    i(0x07, 2, 0, 0, -36),
    i(0xbf, 3, 10),
    i(0x07, 3, 0, 0, -28), // r3 = &opts.error
    i(0xb7, 4, 0, 0, 0),
    i(0x85, 0, 0, 0, 2), // bpf_map_update_elem(map, &key, &opts.error, 0)
    i(0xb7, 0, 0, 0, 2), // XDP_PASS
    i(0x95),
  ];
}

test("XDP calling nf_conntrack's kfuncs loads (fd_array, one slot) and runs", { skip: needs('nf_conntrack') }, () => {
  using map = BpfMap.create({ name: 'ct_error', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
  using table = new KfuncTable(sharedKernelBtf());
  const lookup = table.resolve('bpf_xdp_ct_lookup');
  const release = table.resolve('bpf_ct_release');
  assert.equal(lookup.object, 'nf_conntrack');
  assert.equal(lookup.slot, 1);
  assert.equal(release.slot, 1, 'one fd_array slot per module');
  assert.equal(table.fdArray()?.length, 2);
  using prog = Program.load({
    name: 'xdp_ct',
    type: ProgType.XDP,
    instructions: conntrackProgram(lookup, release, map.fd.raw),
    fdArray: table.fdArray()!,
  });
  table.close();
  const r = prog.testRun({ data: new Uint8Array(64) });
  assert.equal(r.retval, 2);
  assert.equal(map.lookup(0), 0xffff_fffe, 'opts.error = -ENOENT: nothing tracked for an all-zero tuple');
});

test('tsbpf trace veth:veth_open reports the calls', { skip: needs('veth') }, async () => {
  // Long enough for a slow (emulated) guest to load and attach before the pair comes up.
  const running = cli('trace', 'veth:veth_open', '--duration', '6', '--json');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  vethPair()();
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    function: string;
    object: string | null;
    method: string;
    calls: number;
    perSecond: number[];
  };
  assert.equal(doc.function, 'veth:veth_open');
  assert.equal(doc.calls, 2);
  assert.ok(doc.perSecond.length >= 1, `${doc.perSecond.length} per-second counts`);
  assert.ok(doc.perSecond.reduce((a, b) => a + b, 0) <= doc.calls);
  if (doc.method === 'fentry') assert.equal(doc.object, 'veth');
});

test('a target in no BTF object fails clearly, leaving nothing open', { skip: canBpf() }, async () => {
  const before = openFds();
  assert.throws(
    () =>
      Program.load({
        name: 'x',
        type: ProgType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachTo: 'veth:tsbpf_nope',
        instructions: countInto(0),
      }),
    (e: unknown) => e instanceof NotFoundError && /tsbpf_nope|module veth/.test(e.message),
  );
  const r = await cli('trace', 'tsbpf_no_such_function', '--duration', '1');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^tsbpf: func 'tsbpf_no_such_function': not found in vmlinux/);
  assert.equal(openFds(), before);
});
