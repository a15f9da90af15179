/**
 * CO-RE against the committed Debian kernels with their modules: a module-only type
 * (struct veth_rq) is found in the veth module and relocated to the offset the module's BTF gives
 * (read here through the layout helpers, not the engine); target_type_id is its module ID.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findMember, loadSpec, loadSplitSpec } from '../../src/btf/index.js';
import { specCandidateSource } from '../../src/core/candidates.js';
import { readCoreObject, relocateObject } from '../../src/core/object-relocations.js';
import { CoreRelocator } from '../../src/core/relocator.js';
import { kernelFixtures } from '../fixtures.js';
import { CORE_FIXTURES } from './fixtures.js';

describe('CO-RE with module BTF (Debian fixture kernels)', () => {
  for (const k of kernelFixtures()) {
    it(`${k.release}: veth_rq relocates against the veth module`, () => {
      const vmlinux = loadSpec(k.vmlinux);
      const objects = [
        { name: 'vmlinux', spec: vmlinux },
        ...[...k.modules].map(([name, bytes]) => ({ name, spec: loadSplitSpec(bytes, vmlinux) })),
      ];
      const veth = objects.find((o) => o.name === 'veth')!.spec;
      const rq = veth.ownTypesByName('veth_rq', 'struct');
      assert.equal(rq.length, 1);
      assert.equal(vmlinux.typesByName('veth_rq', 'struct').length, 0, 'veth is a module in Debian kernels');
      const expectedOffset = findMember(rq[0]!, 'rx_notify_masked')!.bitOffset / 8;

      const object = readCoreObject(new Uint8Array(readFileSync(join(CORE_FIXTURES, 'core-kinds.bpf.o'))));
      const applied = relocateObject(object, new CoreRelocator(object.btf, specCandidateSource(objects)));
      const mod = applied.filter((a) => a.fixup.program === 'module');
      assert.deepEqual(
        mod.map((a) => [a.fixup.kind, a.fixup.target?.object, a.fixup.target?.id, a.patch.after]),
        [
          ['field_exists', 'veth', rq[0]!.id, 1n],
          ['byte_off', 'veth', rq[0]!.id, BigInt(expectedOffset)],
          ['target_type_id', 'veth', rq[0]!.id, BigInt(rq[0]!.id)],
        ],
      );
      // type_exists(struct veth_rq) in another program shares the local type's candidate list.
      const exists = applied.find((a) => a.fixup.program === 'types' && a.fixup.local.name === 'veth_rq')!;
      assert.equal(exists.patch.after, 1n);
      // Without the modules, veth_rq has no candidate: existence is 0 and the read is poisoned.
      const again = readCoreObject(new Uint8Array(readFileSync(join(CORE_FIXTURES, 'core-kinds.bpf.o'))));
      const bare = relocateObject(
        again,
        new CoreRelocator(again.btf, specCandidateSource([{ name: 'vmlinux', spec: vmlinux }])),
      ).filter((a) => a.fixup.program === 'module');
      assert.deepEqual(
        bare.map((a) => [a.fixup.kind, a.patch.how, a.patch.after]),
        [
          ['field_exists', 'alu', 0n],
          ['byte_off', 'poison', undefined],
          ['target_type_id', 'ldimm64', 0n],
        ],
      );
    });
  }
});
