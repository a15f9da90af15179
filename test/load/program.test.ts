/**
 * Programs of each kind on vmlinux targets (host, root): loaded from hand-assembled
 * instructions, attached, triggered, observed through a map; test runs; verifier errors with
 * their log; no descriptor leaks on failure.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { KernelError, NotFoundError, NotSupportedError, VerifierError } from '../../src/errors.js';
import { attachKprobe, attachKprobeMulti } from '../../src/link/kprobe.js';
import { attachRawTracepoint, attachTracepoint } from '../../src/link/tracepoint.js';
import { attachTracing } from '../../src/link/tracing.js';
import { BpfMap } from '../../src/load/map.js';
import { Program } from '../../src/load/program.js';
import { AttachType } from '../../src/sys/attach-type.js';
import { MapType } from '../../src/sys/map-type.js';
import { ProgType } from '../../src/sys/prog-type.js';
import { countInto, GETPPID, getppidBtfFunction, returnImm } from './insns.js';
import { canBpf, openFds } from './support.js';

function counter(): BpfMap {
  return BpfMap.create({ name: 'calls', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
}

/** Calls getppid(2) `n` times (process.ppid asks the kernel each time). */
function getppid(n: number): void {
  for (let k = 0; k < n; k++) void process.ppid;
}

const kinds: { name: string; type: number; expected?: number; attachTo?: string; attach: (p: Program) => { close(): void } }[] = [
  { name: 'fentry', type: ProgType.TRACING, expected: AttachType.TRACE_FENTRY, attachTo: 'getppid', attach: attachTracing },
  { name: 'fexit', type: ProgType.TRACING, expected: AttachType.TRACE_FEXIT, attachTo: 'getppid', attach: attachTracing },
  { name: 'kprobe', type: ProgType.KPROBE, attach: (p) => attachKprobe(p, GETPPID) },
  { name: 'kretprobe', type: ProgType.KPROBE, attach: (p) => attachKprobe(p, GETPPID, { retprobe: true }) },
  {
    name: 'kprobe.multi',
    type: ProgType.KPROBE,
    expected: AttachType.TRACE_KPROBE_MULTI,
    attach: (p) => attachKprobeMulti(p, [GETPPID]),
  },
  { name: 'tracepoint', type: ProgType.TRACEPOINT, attach: (p) => attachTracepoint(p, 'syscalls/sys_enter_getppid') },
];

for (const kind of kinds) {
  test(`${kind.name} on getppid counts 50 calls`, { skip: canBpf() }, (t) => {
    using map = counter();
    let loaded: Program;
    try {
      loaded = Program.load({
        name: `count_${kind.name.replace('.', '_')}`,
        type: kind.type,
        ...(kind.expected !== undefined ? { expectedAttachType: kind.expected } : {}),
        ...(kind.attachTo !== undefined ? { attachTo: getppidBtfFunction() } : {}),
        instructions: countInto(map.fd.raw),
      });
    } catch (err) {
      // Some kernels (the sandboxed host among them) refuse BPF trampolines outright.
      if (!(kind.attachTo !== undefined && err instanceof KernelError && err.code === 'EPERM')) throw err;
      if (process.geteuid?.() === 0) assert.match(err.message, /although running as root: the kernel's policy refuses it/);
      t.skip(`this kernel refuses ${kind.name} programs: ${err.message}`);
      console.log(`# skipped ${kind.name}: ${err.message}`);
      return;
    }
    using prog = loaded;
    if (kind.attachTo !== undefined) {
      assert.equal(prog.target?.object, 'vmlinux');
      assert.equal(prog.info().attachBtfId, prog.target?.typeId);
    }
    let link: { close(): void };
    try {
      link = kind.attach(prog);
    } catch (err) {
      // Kernels built without CONFIG_KPROBES (no kprobe PMU) or without fprobe (kprobe.multi).
      const lacking = err instanceof NotSupportedError || (err instanceof KernelError && err.code === 'EOPNOTSUPP');
      if (!lacking) throw err;
      t.skip(`this kernel lacks ${kind.name}: ${(err as Error).message}`);
      console.log(`# skipped ${kind.name}: ${(err as Error).message}`);
      return;
    }
    try {
      getppid(50);
    } finally {
      link.close();
    }
    // Other processes may call getppid too while attached: at least ours were counted.
    const count = map.lookup(0) as bigint;
    assert.ok(count >= 50n, `${kind.name}: ${count} calls`);
    getppid(10);
    assert.equal(map.lookup(0), count, 'closing the link detached the program');
  });
}

test('raw tracepoint and tp_btf on sys_enter see our syscalls', { skip: canBpf() }, () => {
  for (const btf of [false, true]) {
    using map = counter();
    using prog = Program.load({
      name: btf ? 'tp_btf_enter' : 'raw_tp_enter',
      type: btf ? ProgType.TRACING : ProgType.RAW_TRACEPOINT,
      ...(btf ? { expectedAttachType: AttachType.TRACE_RAW_TP, attachTo: 'sys_enter' } : {}),
      instructions: countInto(map.fd.raw),
    });
    if (btf) assert.equal(prog.target?.object, 'vmlinux');
    using _link = btf ? attachTracing(prog) : attachRawTracepoint(prog, 'sys_enter');
    getppid(20);
    assert.ok((map.lookup(0) as bigint) >= 20n);
  }
});

test('XDP and tc programs run under BPF_PROG_TEST_RUN', { skip: canBpf() }, () => {
  using xdp = Program.load({ name: 'xdp_pass', type: ProgType.XDP, instructions: returnImm(2) });
  const r = xdp.testRun({ data: new Uint8Array(64), repeat: 3 });
  assert.equal(r.retval, 2);
  assert.equal(r.data.byteLength, 64);
  using tc = Program.load({ name: 'tc_shot', type: ProgType.SCHED_CLS, instructions: returnImm(2) });
  assert.equal(tc.testRun({ data: new Uint8Array(64) }).retval, 2);
});

test('a verifier refusal carries the log; the message is one line naming the program', { skip: canBpf() }, () => {
  // r0 = r5 (never written); exit
  const bad = [
    { code: 0xbf, dst: 0, src: 5, off: 0, imm: 0 },
    { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ];
  assert.throws(
    () => Program.load({ name: 'bad_read', type: ProgType.XDP, instructions: bad }),
    (e: unknown) => {
      assert.ok(e instanceof VerifierError);
      assert.equal(e.program, 'bad_read');
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, /^program bad_read: BPF_PROG_LOAD: \w+ \(errno \d+\): rejected by the verifier: .*R5 !read_ok/);
      assert.match(e.log, /0: \(bf\) r0 = r5/);
      return true;
    },
  );
});

test('an attach target in no BTF object fails clearly', { skip: canBpf() }, () => {
  assert.throws(
    () =>
      Program.load({
        name: 'nowhere',
        type: ProgType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachTo: 'tsbpf_no_such_function',
        instructions: returnImm(0),
      }),
    (e: unknown) => e instanceof NotFoundError && /tsbpf_no_such_function/.test(e.message),
  );
  assert.throws(
    () =>
      Program.load({
        name: 'nomodule',
        type: ProgType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachTo: 'tsbpf_no_module:veth_open',
        instructions: returnImm(0),
      }),
    NotFoundError,
  );
});

test('failing loads and attaches leave no descriptor behind', { skip: canBpf() }, () => {
  const bad = [{ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
  const attempt = () => {
    for (let k = 0; k < 20; k++) {
      assert.throws(() => Program.load({ name: 'leak', type: ProgType.XDP, instructions: bad }));
      assert.throws(() => BpfMap.create({ name: 'leak', type: MapType.ARRAY, keySize: 3, valueSize: 8, maxEntries: 1 }));
      using p = Program.load({ name: 'kp', type: ProgType.KPROBE, instructions: returnImm(0) });
      assert.throws(() => attachKprobe(p, 'tsbpf_no_such_function'));
      assert.throws(() => attachTracepoint(p, 'tsbpf/none'));
      using tp = Program.load({ name: 'tp', type: ProgType.TRACEPOINT, instructions: returnImm(0) });
      assert.throws(() => attachRawTracepoint(tp, 'tsbpf_none'));
    }
  };
  attempt(); // warm up lazily opened descriptors (libc, registry)
  const before = openFds();
  attempt();
  assert.equal(openFds(), before);
});
