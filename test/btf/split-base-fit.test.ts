import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec } from '../../src/btf/spec.js';
import { splitBaseMisfit } from '../../src/btf/split-base-fit.js';
import { kernelFixtures } from '../fixtures.js';

describe('split BTF on a base: whether its names fit', () => {
  it("every module fits its own vmlinux, and no module fits another kernel's", () => {
    const kernels = kernelFixtures();
    const bases = kernels.map((k) => loadSpec(k.vmlinux));
    for (const [i, k] of kernels.entries()) {
      for (const [j, base] of bases.entries()) {
        for (const [name, bytes] of k.modules) {
          const misfit = splitBaseMisfit(bytes, base);
          const on = `${k.release}'s ${name} on ${kernels[j]!.release}'s vmlinux`;
          if (i === j) assert.equal(misfit, undefined, on);
          else assert.ok(misfit && misfit.inside + misfit.past > misfit.names / 2, `${on}: ${JSON.stringify(misfit)}`);
        }
      }
    }
  });

  it('leaves what is not BTF, or is cut short, to the parser', () => {
    const k = kernelFixtures()[0];
    if (!k) return;
    const base = loadSpec(k.vmlinux);
    assert.equal(splitBaseMisfit(new Uint8Array(100), base), undefined);
    const veth = k.modules.get('veth')!;
    for (const cut of [8, 24, 30, 101]) assert.equal(splitBaseMisfit(veth.subarray(0, cut), base), undefined);
  });
});
