/**
 * The `.kconfig` map of a loaded object (test/fixtures/bpf/load/kconfig.bpf.c: bool, tristate,
 * integer and string options, weak ones the configuration lacks, the virtual LINUX_* externs)
 * holds what libbpf 1.1 puts there on the same kernel (the load-run oracle), and the program
 * reads those values; where libbpf finds no kernel configuration, tsbpf refuses the object too.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ObjectError } from '../../src/errors.js';
import { autoAttach } from '../../src/load/auto-attach.js';
import { Collection } from '../../src/load/collection.js';
import { kernelConfig, linuxKernelVersion } from '../../src/load/kernel-config.js';
import { ROOT, readFixture } from '../fixtures.js';
import { loadRun, oraclesUnavailable, tracefsUnavailable } from '../oracle/oracles.js';
import { canBpf } from './support.js';

const PATH = join(ROOT, 'test/fixtures/bpf/load/kconfig.bpf.o');
const skip = canBpf() || oraclesUnavailable() || tracefsUnavailable() || false;

test('.kconfig holds what libbpf puts there, and the program reads it', { skip }, () => {
  const libbpf = loadRun(PATH);
  const load = () => Collection.load(readFixture(PATH), { name: 'kconfig.bpf.o' });
  if (!libbpf.loaded) {
    // libbpf refuses an object with CONFIG_ externs when there is no configuration to read.
    assert.equal(kernelConfig(), undefined, `libbpf failed otherwise: ${libbpf.error}`);
    assert.throws(
      load,
      (e: unknown) => e instanceof ObjectError && e.section === '.kconfig' && /no kernel configuration/.test(e.message),
    );
    return;
  }
  const expected = libbpf.maps.find((m) => m.name.endsWith('.kconfig'))!.contents![0]!.value;
  using c = load();
  const kconfig = c.maps.get('.kconfig')!;
  const bytes = kconfig.lookupBytes(0)!;
  assert.equal(Buffer.from(bytes).toString('hex'), expected);

  const prog = c.programs.get('copy_kconfig')!;
  c.adopt(autoAttach(prog, c.spec.programs.find((p) => p.name === 'copy_kconfig')!)!);
  void process.ppid; // getppid(): the tracepoint copies every extern into .bss
  const seen = c.maps.get('.bss')!.lookup(0) as { seen: bigint[] };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (name: string) => c.spec.externs.find((e) => e.name === name)!.offset;
  assert.equal(seen.seen[0], BigInt(linuxKernelVersion()));
  assert.equal(seen.seen[0], BigInt(view.getUint32(at('LINUX_KERNEL_VERSION'), true)));
  assert.equal(seen.seen[3], 1n, 'CONFIG_BPF_SYSCALL=y');
  assert.equal(seen.seen[6], BigInt(view.getInt32(at('CONFIG_HZ'), true)));
  assert.equal(seen.seen[7], view.getBigUint64(at('CONFIG_NR_CPUS'), true));
  assert.equal(seen.seen[10], 0n, 'a weak option the configuration lacks reads 0');
  assert.equal(seen.seen[11], 0n, 'a weak virtual extern libbpf does not know reads 0');
});
