/**
 * Builder.addType and addSpec against the builder's base: a module opened on another copy of
 * the same vmlinux is mapped onto the builder's base (nothing of the base is copied), and a
 * module on another kernel's vmlinux is refused instead of silently copying its base types.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Builder } from '../../src/btf/builder.js';
import { openSpec } from '../../src/btf/load.js';
import { BtfError } from '../../src/errors.js';
import { kernelFixtures } from '../fixtures.js';

const kernels = kernelFixtures();

describe('Builder and its base', () => {
  test('a module opened on an identical copy of the base is written as on the base itself', () => {
    const k = kernels[0]!;
    const vmlinux = openSpec(k.vmlinux, { name: 'vmlinux' });
    const twin = openSpec(k.vmlinux.slice(), { name: 'vmlinux' });
    const veth = k.modules.get('veth')!;
    const onBase = openSpec(veth, { base: vmlinux, name: 'veth' });
    const onTwin = openSpec(veth, { base: twin, name: 'veth' });
    const xmit = onBase.typeByName('veth_xmit', 'func')!;

    const direct = new Builder({ base: vmlinux });
    direct.addType(onBase, xmit.id);
    const mapped = new Builder({ base: vmlinux });
    mapped.addType(onTwin, onTwin.typeByName('veth_xmit', 'func')!);
    assert.equal(mapped.count, direct.count, 'types copied');
    assert.ok(direct.count < 100, `${direct.count} types for one function`);
    assert.deepEqual(mapped.marshal(), direct.marshal());

    const whole = new Builder({ base: vmlinux });
    whole.addSpec(onTwin);
    assert.equal(whole.count, onBase.count);
    const reopened = openSpec(whole.marshal(), { base: vmlinux });
    reopened.validate();
    assert.equal(reopened.typeByName('veth_xmit', 'func')?.proto.params.length, xmit.proto.params.length);
  });

  test("a module on another kernel's vmlinux is refused, naming both bases", () => {
    assert.ok(kernels.length >= 2, 'needs two kernels');
    const [a, b] = kernels as [(typeof kernels)[0], (typeof kernels)[0]];
    const vmA = openSpec(a.vmlinux, { name: 'vmlinux' });
    const vmB = openSpec(b.vmlinux, { name: 'vmlinux' });
    const vethB = openSpec(b.modules.get('veth')!, { base: vmB, name: 'veth' });
    const builder = new Builder({ base: vmA });
    const refused = (e: unknown) =>
      e instanceof BtfError &&
      /spec 'veth' is split BTF on base 'vmlinux' \(\d+ types\), not on this builder's base/.test(e.message);
    assert.throws(() => builder.addType(vethB, vethB.typeByName('veth_xmit', 'func')!), refused);
    assert.throws(() => builder.addSpec(vethB), refused);
    assert.equal(builder.count, 0, 'nothing was copied');
    // Without a base, the builder copies what the module reaches in its vmlinux, as asked.
    const standalone = new Builder();
    standalone.addType(vethB, vethB.typeByName('veth_xmit', 'func')!);
    assert.ok(standalone.count > 10);
  });
});
