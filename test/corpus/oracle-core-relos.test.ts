import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseElf } from '../../src/elf/index.js';
import { HOST_VMLINUX, kernelFixtures, tempFile } from '../fixtures.js';
import { coreRelos, oraclesUnavailable } from '../oracle/oracles.js';
import { CORE_RELOC, coreRelocCases, libbpfTools, readObject } from './corpus.js';

/**
 * CO-RE record counts per ELF section, read straight from .BTF.ext (header and the core_relo
 * subsection) with the section names from .BTF's string table: what the oracle must account for.
 */
function coreRecordCounts(bytes: Uint8Array): Map<string, number> {
  const elf = parseElf(bytes);
  const counts = new Map<string, number>();
  const ext = elf.section('.BTF.ext');
  const btf = elf.section('.BTF');
  if (ext === undefined || btf === undefined) return counts;
  const e = new DataView(bytes.buffer, bytes.byteOffset + ext.offset, ext.size);
  const b = new DataView(bytes.buffer, bytes.byteOffset + btf.offset, btf.size);
  assert.equal(e.getUint16(0, true), 0xeb9f);
  const extHdrLen = e.getUint32(4, true);
  if (extHdrLen < 32) return counts;
  const reloOff = extHdrLen + e.getUint32(24, true);
  const reloLen = e.getUint32(28, true);
  const strStart = b.getUint32(4, true) + b.getUint32(16, true);
  const name = (off: number): string => {
    const start = btf.offset + strStart + off;
    let end = start;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(start, end));
  };
  if (reloLen === 0) return counts;
  const recSize = e.getUint32(reloOff, true);
  for (let p = reloOff + 4; p < reloOff + reloLen; ) {
    const sec = name(e.getUint32(p, true));
    const n = e.getUint32(p + 4, true);
    counts.set(sec, (counts.get(sec) ?? 0) + n);
    p += 8 + n * recSize;
  }
  return counts;
}

const skip = oraclesUnavailable() ?? (process.getuid?.() === 0 ? false : 'needs root (libbpf loads the object)');

describe('core-relos oracle (libbpf 1.1)', { skip }, () => {
  const targets: { name: string; path: string }[] = [];
  if (existsSync(HOST_VMLINUX)) targets.push({ name: 'host', path: HOST_VMLINUX });
  for (const k of kernelFixtures()) targets.push({ name: k.release, path: tempFile(`${k.release}-vmlinux.btf`, k.vmlinux) });

  for (const target of targets) {
    it(`accounts for every CO-RE record of every libbpf-tools object against ${target.name}`, () => {
      let total = 0;
      for (const obj of libbpfTools()) {
        const expected = coreRecordCounts(readObject(obj.path));
        const report = coreRelos(obj.path, target.path);
        const got = new Map<string, number>();
        for (const r of report.relocations) {
          got.set(r.section, (got.get(r.section) ?? 0) + 1);
          assert.ok(r.kind !== '' && r.local.id > 0, `${obj.name}: ${r.program} relo #${r.relo}: no local spec`);
          assert.ok(r.poison || r.patches.length > 0 || r.failed, `${obj.name}: ${r.program} relo #${r.relo}: no decision`);
          if (r.target !== null) assert.equal(r.target.name.split('___')[0], r.local.name.split('___')[0]);
        }
        assert.deepEqual(got, expected, `${obj.name}: relocations per section`);
        total += report.relocations.length;
      }
      assert.ok(total > 500, `only ${total} relocations in the corpus`);
    });
  }

  it('accounts for every CO-RE record of the core_reloc selftests against their target BTF', () => {
    const kinds = new Set<string>();
    for (const c of coreRelocCases().cases.filter((c) => !c.fails)) {
      const object = join(CORE_RELOC, c.object);
      const expected = coreRecordCounts(readObject(object));
      const report = coreRelos(object, join(CORE_RELOC, c.btf));
      const mine = report.relocations.filter((r) => r.program === c.program);
      const got = new Map<string, number>();
      for (const r of mine) {
        got.set(r.section, (got.get(r.section) ?? 0) + 1);
        assert.ok(r.poison || r.patches.length > 0, `${c.name}: relo #${r.relo}: no decision`);
        kinds.add(r.kind);
      }
      const section = mine[0]?.section ?? '';
      assert.equal(got.get(section), expected.get(section), `${c.name}: relocations of ${section}`);
    }
    // type_based (type_exists, type_size, type_matches) and enum64val are built with clang >= 15.
    for (const k of [
      'type_exists',
      'type_size',
      'type_matches',
      'byte_off',
      'byte_sz',
      'field_exists',
      'signed',
      'lshift_u64',
      'rshift_u64',
      'local_type_id',
      'target_type_id',
      'enumval_exists',
      'enumval_value',
    ]) {
      assert.ok(kinds.has(k), `no ${k} relocation in the core_reloc corpus`);
    }
  });
});
