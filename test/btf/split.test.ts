import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatRaw, loadSpec, loadSpecFromBytes, loadSplitSpec, resolveType, type Spec } from '../../src/btf/index.js';
import { BtfError } from '../../src/errors.js';
import { kernelFixtures, readFixture } from '../fixtures.js';
import { encodeBtf } from './encode.js';

const kernels = kernelFixtures();

describe('split BTF on a base', () => {
  for (const k of kernels) {
    const vmlinux = loadSpec(k.vmlinux);
    const veth = k.modules.get('veth');
    test(`${k.release}: module type IDs continue after vmlinux's`, { skip: veth ? false : 'no veth fixture' }, () => {
      const mod = loadSplitSpec(veth!, vmlinux);
      assert.equal(mod.firstId, vmlinux.nextId);
      assert.equal(mod.base, vmlinux);
      const first = mod.typeById(mod.firstId)!;
      assert.equal(first.id, vmlinux.nextId);
      assert.equal(mod.typeById(1), vmlinux.typeById(1), 'base IDs resolve to the very base objects');
      assert.equal(mod.typeById(mod.nextId), undefined);
    });

    test(`${k.release}: veth_xmit lives in veth and its parameters are vmlinux types`, {
      skip: veth ? false : 'no veth fixture',
    }, () => {
      const mod = loadSplitSpec(veth!, vmlinux);
      const fn = mod.typeByName('veth_xmit', 'func');
      assert.ok(fn?.kind === 'func');
      assert.ok(fn.id >= mod.firstId, 'veth_xmit is a module type');
      assert.equal(vmlinux.typeByName('veth_xmit'), undefined, 'vmlinux does not have it');
      const [skb, dev] = fn.proto.params;
      assert.equal(skb?.name, 'skb');
      const skbType = skb!.type;
      assert.ok(skbType.kind === 'ptr');
      const skBuff = resolveType(skbType.type);
      assert.deepEqual([skBuff.kind, skBuff.name], ['struct', 'sk_buff']);
      assert.ok(skBuff.id < mod.firstId, 'struct sk_buff comes from the base');
      assert.equal(dev?.name, 'dev');
    });

    test(`${k.release}: every type names the BTF object it belongs to`, { skip: veth ? false : 'no veth fixture' }, () => {
      const base = loadSpec(k.vmlinux, { name: 'vmlinux' });
      const mod = loadSplitSpec(veth!, base, { name: 'veth' });
      const fn = mod.typeByName('veth_xmit', 'func')!;
      assert.equal(fn.spec, mod);
      assert.equal(fn.spec.name, 'veth');
      const skBuff = mod.typeByName('sk_buff', 'struct')!;
      assert.equal(skBuff.spec, base, 'a base type found through the module is the base one');
      assert.equal(skBuff.spec.name, 'vmlinux');
      assert.equal(mod.typeById(0)!.spec, base, 'void belongs to the root');
      // Same ID, different objects: the pair tells them apart.
      const other = loadSplitSpec(k.modules.values().next().value!, base, { name: 'other' });
      const sameId = other.typeById(mod.firstId);
      if (sameId) assert.notEqual(sameId.spec.name, mod.typeById(mod.firstId)!.spec.name);
      assert.equal(loadSpec(k.vmlinux).name, '', 'unnamed unless the opener names it');
    });

    test(`${k.release}: a module's own types are validated once, and the state is kept`, {
      skip: veth ? false : 'no veth fixture',
    }, () => {
      const base = loadSpec(k.vmlinux, { kernelVerified: true });
      const mod = loadSplitSpec(veth!, base);
      assert.equal(mod.validated, false);
      assert.equal(mod.validationRuns, 0);
      mod.validateOwn();
      assert.equal(mod.validated, true);
      mod.validateOwn();
      mod.validate();
      assert.ok(mod.typeByName('veth_xmit', 'func'), 'the name index does not check again');
      assert.equal(mod.validationRuns, 1);
      assert.equal(base.validationRuns, 0, 'a kernel-verified base is not checked');
      const unverified = loadSpec(k.vmlinux);
      const mod2 = loadSplitSpec(veth!, unverified);
      mod2.validateOwn();
      assert.equal(unverified.validationRuns, 0, 'validateOwn leaves the base alone');
      mod2.validate();
      assert.deepEqual([unverified.validationRuns, mod2.validationRuns], [1, 1]);
    });

    test(`${k.release}: name lookups on a module cover the base too, and specs share the base`, () => {
      for (const [name, bytes] of k.modules) {
        const mod = loadSplitSpec(bytes, vmlinux);
        const viaModule = mod.typesByName('task_struct', 'struct');
        assert.deepEqual(
          viaModule.map((t) => t.id),
          vmlinux.typesByName('task_struct', 'struct').map((t) => t.id),
          name,
        );
        assert.equal(viaModule[0], vmlinux.typeByName('task_struct', 'struct'));
        assert.deepEqual(mod.ownTypesByName('task_struct'), [], 'modules deduplicated against vmlinux do not repeat its types');
      }
    });
  }

  for (const k of kernels) {
    const ko = join(k.dir, 'veth.ko.br');
    if (!existsSync(ko)) continue;
    test(`${k.release}: a module's .ko reads as its split BTF (the .BTF section, on vmlinux)`, () => {
      const vmlinux = loadSpec(k.vmlinux);
      const fromElf = loadSpecFromBytes(readFixture(ko), vmlinux);
      const fromRaw = loadSplitSpec(k.modules.get('veth')!, vmlinux);
      assert.equal(fromElf.count, fromRaw.count);
      assert.equal(formatRaw(fromElf), formatRaw(fromRaw));
    });
  }

  test('split on split: a third level numbers and resolves through both bases', () => {
    const base = loadSpec(encodeBtf({ types: [{ kind: 'int', name: 'int', size: 4, encoding: 1, bits: 32 }] }));
    const mid = loadSplitSpec(
      encodeBtf({
        base,
        types: [
          { kind: 'ptr', type: 1 },
          { kind: 'typedef', name: 'intp', type: 2 },
        ],
      }),
      base,
    );
    const top = loadSplitSpec(
      encodeBtf({
        base: mid,
        types: [
          { kind: 'const', type: 3 },
          { kind: 'typedef', name: 'cintp', type: 4 },
        ],
      }),
      mid,
    );
    assert.deepEqual([mid.firstId, top.firstId, top.nextId], [2, 4, 6]);
    const cintp = top.typeByName('cintp')!;
    assert.equal(cintp.id, 5);
    assert.equal(resolveType(cintp).kind, 'ptr');
    const intp = top.typeByName('intp');
    assert.equal(intp, mid.typeById(3));
    assert.equal(top.typeByName('int'), base.typeById(1));
    top.validate();
  });

  test('a module opened with no base is refused with a hint', { skip: kernels.length ? false : 'no kernel fixtures' }, () => {
    const [name, bytes] = [...kernels[0]!.modules][0]!;
    assert.throws(() => loadSpec(bytes).validate(), /split BTF|out of range|beyond the last ID/, name);
  });

  test('a module opened on the wrong base is refused', { skip: kernels.length >= 2 ? false : 'needs two kernels' }, () => {
    const [a, b] = kernels as [(typeof kernels)[0], (typeof kernels)[0]];
    const wrongBase: Spec = loadSpec(b.vmlinux);
    for (const [name, bytes] of a.modules) {
      assert.throws(
        () => {
          const mod = loadSplitSpec(bytes, wrongBase);
          mod.validate();
        },
        (err: Error) => err instanceof BtfError,
        `${a.release} ${name} on ${b.release}'s vmlinux`,
      );
    }
  });
});
