/** Kernel feature probing on the running kernel, and the errors for missing features. */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { NotSupportedError } from '../../src/errors.js';
import { type KernelFeatures, kernelFeatures, probeBtfFeatures, requireFeature } from '../../src/kernel/features.js';
import { MapType } from '../../src/sys/map-type.js';
import { ProgType } from '../../src/sys/prog-type.js';

const root = process.getuid?.() === 0 ? false : 'needs root for bpf()';

function releaseAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m !== null && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

test('the running kernel: BTF kinds by its release, types from its own enums', { skip: root }, () => {
  const f = kernelFeatures();
  assert.equal(kernelFeatures(), f, 'probed once');
  assert.ok(f.release.length > 0);
  // Each BTF kind is accepted exactly from the release that added it.
  assert.equal(f.btf.float, releaseAtLeast(f.release, 5, 13));
  assert.equal(f.btf.declTag, releaseAtLeast(f.release, 5, 16));
  assert.equal(f.btf.typeTag, releaseAtLeast(f.release, 5, 17));
  assert.equal(f.btf.enum64, releaseAtLeast(f.release, 6, 0));
  assert.equal(f.btf.qmarkDatasec, releaseAtLeast(f.release, 6, 4));
  assert.equal(f.btf.func && f.btf.datasec && f.btf.funcGlobal, releaseAtLeast(f.release, 5, 6));
  assert.equal(f.mapTypes.ringbuf, releaseAtLeast(f.release, 5, 8));
  assert.equal(f.progTypes.tracing, releaseAtLeast(f.release, 5, 5));
  if (existsSync('/sys/kernel/btf/vmlinux')) {
    assert.equal(f.attrFields.fd_array, releaseAtLeast(f.release, 5, 14));
    assert.equal(f.linkTypes.kprobe_multi === true, releaseAtLeast(f.release, 5, 18));
    assert.equal(f.attachTypes.tcx_ingress === true, releaseAtLeast(f.release, 6, 6));
  }
  requireFeature(f, { kind: 'prog', type: ProgType.XDP });
  requireFeature(f, { kind: 'map', type: MapType.HASH });
  assert.deepEqual(probeBtfFeatures(), f.btf);
});

test('a missing feature is a NotSupportedError naming the release that added it', () => {
  const old: KernelFeatures = {
    release: '5.10.0',
    vmlinuxBtf: true,
    btf: {
      func: true,
      funcGlobal: true,
      datasec: true,
      qmarkDatasec: false,
      float: false,
      declTag: false,
      typeTag: false,
      enum64: false,
    },
    progTypes: { xdp: true, tracing: true },
    mapTypes: { hash: true },
    attachTypes: {},
    linkTypes: { tracing: true },
    attrFields: { fd_array: false },
  };
  const check = (fn: () => void, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof NotSupportedError && re.test(e.message) && e.minKernel !== undefined);
  check(
    () => requireFeature(old, { kind: 'btf', name: 'enum64' }, 'object x'),
    /^object x: BTF enum64 is not supported \(this kernel: 5\.10\.0\) \(needs Linux 6\.0/,
  );
  check(() => requireFeature(old, { kind: 'map', type: MapType.RINGBUF }), /map type ringbuf .*needs Linux 5\.8/);
  check(() => requireFeature(old, { kind: 'prog', type: ProgType.NETFILTER }), /prog type netfilter .*needs Linux 6\.4/);
  check(() => requireFeature(old, { kind: 'link', type: 8 }), /link type 8 .*needs Linux 5\.18/);
  check(() => requireFeature(old, { kind: 'attr', name: 'fd_array' }, 'kfunc bpf_xdp_ct_lookup'), /fd_array .*needs Linux 5\.14/);
  requireFeature(old, { kind: 'btf', name: 'func' });
});
