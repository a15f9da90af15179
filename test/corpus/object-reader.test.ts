/**
 * tsbpf's object reader sees in every corpus object (bcc's libbpf-tools, the kernel's core_reloc
 * selftests) the programs and maps libbpf 1.1 sees: same names, sections, program and attach
 * types, instruction counts, and map definitions (kernel names, types, sizes, flags, initial data).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadObject } from '../../src/obj/index.js';
import { objectInfo, oraclesUnavailable } from '../oracle/oracles.js';
import { CORE_RELOC, libbpfTools, readObject } from './corpus.js';

const objects = [
  ...libbpfTools(),
  ...readdirSync(CORE_RELOC)
    .filter((f) => f.startsWith('test_core_reloc_') && f.endsWith('.bpf.o'))
    .sort()
    .map((f) => ({ name: f, path: join(CORE_RELOC, f) })),
];

describe('object reader on the corpus, against libbpf 1.1 (object-info oracle)', { skip: oraclesUnavailable() ?? false }, () => {
  it('covers the corpus', () => assert.ok(objects.length >= 40, `${objects.length} objects`));
  for (const o of objects) {
    it(o.name, () => {
      const theirs = objectInfo(o.path);
      const spec = loadObject(readObject(o.path), o.path.split('/').pop());
      // libbpf 1.1 keeps at most 15 characters of the object name (BPF_OBJ_NAME_LEN - 1).
      assert.equal(spec.name.slice(0, 15), theirs.name);
      assert.deepEqual(
        spec.programs.map((p) => ({
          name: p.name,
          section: p.section,
          type: p.type,
          expectedAttachType: p.expectedAttachType,
          insns: p.instructions.length,
        })),
        theirs.programs.map((p) => ({
          name: p.name,
          section: p.section,
          type: p.type,
          expectedAttachType: p.expectedAttachType,
          insns: p.insns,
        })),
      );
      const mine = spec.maps
        .map((m) => ({
          // libbpf's bpf_map__name: the symbol for a declared map; for global data its section
          // (the kernel names, prefixed with the object's, are compared on their own below).
          name: m.origin === 'btf' || m.origin === 'legacy' ? m.name : m.section,
          type: m.type,
          keySize: m.keySize,
          valueSize: m.valueSize,
          maxEntries: m.maxEntries,
          flags: m.flags,
          numaNode: m.numaNode,
          initialValueSize: m.data === undefined ? null : m.data.length,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const libbpf = theirs.maps
        .map((m) => ({
          name: m.internal ? m.name.slice(m.name.indexOf('.')) : m.name,
          type: m.type,
          keySize: m.keySize,
          valueSize: m.valueSize,
          maxEntries: m.maxEntries,
          flags: m.flags,
          numaNode: m.numaNode,
          initialValueSize: m.initialValueSize,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      assert.deepEqual(mine, libbpf);
    });
  }

  it('names global-data maps for the kernel as libbpf 1.1 does', () => {
    const wrong: string[] = [];
    for (const o of objects) {
      const libbpf = objectInfo(o.path)
        .maps.filter((m) => m.internal)
        .map((m) => m.name)
        .sort();
      const mine = loadObject(readObject(o.path), o.path.split('/').pop())
        .maps.filter((m) => m.origin !== 'btf' && m.origin !== 'legacy')
        .map((m) => m.kernelName)
        .sort();
      if (mine.join() !== libbpf.join()) wrong.push(`${o.name}: ${mine.join(' ')} (libbpf: ${libbpf.join(' ')})`);
    }
    assert.deepEqual(wrong, []);
  });
});
