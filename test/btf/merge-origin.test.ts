/**
 * merge() says where each output type came from: the first module, in input order, that
 * carried it. Checked against the modules themselves: each named output type is one of its
 * origin module's own types, none of the modules before it has one of that name and kind
 * deduplicated into it, and a type only one module has comes from that module.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openSpec } from '../../src/btf/load.js';
import { merge } from '../../src/btf/merge.js';
import { kernelFixtures } from '../fixtures.js';

describe('merge origins', () => {
  test('each output type names the first module that carried it', () => {
    const k = kernelFixtures()[0]!;
    const vmlinux = openSpec(k.vmlinux, { name: 'vmlinux' });
    const modules = [...k.modules].map(([name, bytes]) => ({ name, spec: openSpec(bytes, { base: vmlinux, name }) }));
    const result = merge(vmlinux, modules);
    assert.equal(result.origins.length, result.typesAfter);
    const merged = openSpec(result.builder.marshal(), { base: vmlinux });
    let single = 0;
    for (const t of merged.types()) {
      const origin = result.origins[t.id - merged.firstId]!;
      assert.ok(origin >= 0 && origin < modules.length, `type [${t.id}] has origin ${origin}`);
      if (t.name === '') continue;
      const carriers = modules.flatMap((m, i) => (m.spec.ownTypesByName(t.name, t.kind).length > 0 ? [i] : []));
      assert.ok(carriers.includes(origin), `${t.kind} ${t.name}: origin ${modules[origin]!.name}, carried by ${carriers}`);
      if (carriers.length === 1) single++;
    }
    assert.ok(single > 100, `${single} types carried by one module only`);
    const xmit = merged.typeByName('veth_xmit', 'func')!;
    assert.equal(modules[result.origins[xmit.id - merged.firstId]!]!.name, 'veth');
  });
});
