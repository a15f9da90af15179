/**
 * The object's BTF reaching the kernel: offered as it is first, so a kernel with every kind the
 * object uses takes it at once and nothing is probed; the BTF features are probed only after a
 * refusal, and the rewritten BTF is loaded then. The kernel that lacks a kind is the running one
 * behind a `bpf()` that refuses what a kernel before 5.6 refuses (FUNCs with global linkage).
 *
 * The tests run in this order in a process of their own: the probe's result is kept for the rest
 * of the process once made, and the first test checks that a load needs none.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSpec } from '../../src/btf/spec.js';
import { Collection } from '../../src/load/collection.js';
import { type BpfAttr, BpfCommand, BtfLoadAttr } from '../../src/sys/attr.js';
import { Errno } from '../../src/sys/errno.js';
import { nativeSyscallImpl, type SyscallImpl, setSyscallImpl } from '../../src/sys/ffi.js';
import { ROOT } from '../fixtures.js';
import { canBpf } from './support.js';

const OBJECT = readFileSync(join(ROOT, 'test/fixtures/bpf/load/counter.bpf.o'));

interface BtfLoadCall {
  blob: Uint8Array;
  result: number;
}

/** The running kernel's `bpf()`, recording every BPF_BTF_LOAD, refusing blobs `refuse` picks. */
function recording(refuse: (blob: Uint8Array) => boolean): { impl: SyscallImpl; loads: BtfLoadCall[] } {
  const native = nativeSyscallImpl();
  const loads: BtfLoadCall[] = [];
  const impl: SyscallImpl = {
    bpf(attr: BpfAttr): number {
      if (attr.cmd !== BpfCommand.BPF_BTF_LOAD) return native.bpf(attr);
      const blob = (attr.pointee(BtfLoadAttr.btf) as Uint8Array).slice();
      const result = refuse(blob) ? -Errno.EINVAL : native.bpf(attr);
      loads.push({ blob, result });
      return result;
    },
    close: (fd) => native.close(fd),
  };
  return { impl, loads };
}

function globalFuncs(blob: Uint8Array): string[] {
  return [...loadSpec(blob).types()].filter((t) => t.kind === 'func' && t.linkage === 'global').map((t) => t.name);
}

test('a kernel with every kind the object uses takes its BTF at the first BPF_BTF_LOAD; nothing is probed', {
  skip: canBpf(),
}, () => {
  const { impl, loads } = recording(() => false);
  const previous = setSyscallImpl(impl);
  try {
    using c = Collection.load(OBJECT, { name: 'counter.bpf.o', programs: { xdp_bad: { autoload: false } } });
    assert.equal(c.programs.size, 2);
  } finally {
    setSyscallImpl(previous);
  }
  assert.equal(loads.length, 1, 'one BPF_BTF_LOAD: the object');
  assert.ok(loads[0]!.result >= 0);
  assert.ok(globalFuncs(loads[0]!.blob).includes('count_getppid'), 'the object as it is: its programs global');
});

test('a kernel that refuses the BTF gets it rewritten for the kinds a probe finds missing', { skip: canBpf() }, () => {
  const { impl, loads } = recording((blob) => globalFuncs(blob).length > 0);
  const previous = setSyscallImpl(impl);
  try {
    using c = Collection.load(OBJECT, { name: 'counter.bpf.o', programs: { xdp_bad: { autoload: false } } });
    assert.equal(c.programs.size, 2);
  } finally {
    setSyscallImpl(previous);
  }
  assert.ok(loads.length > 2, 'refused, probed, loaded again');
  assert.ok(loads[0]!.result < 0 && globalFuncs(loads[0]!.blob).includes('count_getppid'), 'first offered as it is');
  const last = loads.at(-1)!;
  assert.ok(last.result >= 0, 'the rewritten BTF is taken');
  assert.deepEqual(globalFuncs(last.blob), [], 'every FUNC made static');
  assert.ok(
    loadSpec(last.blob)
      .typesByName('count_getppid')
      .some((t) => t.kind === 'func'),
  );
});
