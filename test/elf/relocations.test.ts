import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseElf,
  R_BPF_64_32,
  R_BPF_64_64,
  readRelocations,
  readSymbols,
  relocationSectionsFor,
  SHT_REL,
  SHT_RELA,
} from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { fixtureObjects, oracleRelocations, readBytes, toolsMissing } from './support.js';

describe('ELF relocations match llvm-readelf', { skip: toolsMissing }, () => {
  for (const [label, path] of toolsMissing === undefined ? fixtureObjects() : []) {
    it(`${label}: every entry of every relocation section`, () => {
      const file = parseElf(readBytes(path));
      const got = file.sections
        .filter((s) => s.type === SHT_REL || s.type === SHT_RELA)
        .flatMap((s) =>
          readRelocations(file, s).map((r) => ({
            section: s.index,
            offset: r.offset,
            type: r.type,
            symbol: r.symbol,
            // llvm-readelf prints addends as unsigned 64-bit hex.
            addend: s.type === SHT_RELA ? BigInt.asUintN(64, r.addend) : undefined,
          })),
        );
      const want = oracleRelocations(path);
      assert.ok(want.length > 0, 'the fixture has relocations');
      assert.deepEqual(got, want);
    });
  }

  it('x86-64: a negative addend reads as a negative bigint', () => {
    const path = fixtureObjects().get('x86-64 object (RELA)') as string;
    const file = parseElf(readBytes(path));
    const text = file.section('.text');
    assert.ok(text);
    const [rela] = relocationSectionsFor(file, text);
    assert.ok(rela);
    assert.equal(rela.type, SHT_RELA);
    const symbols = readSymbols(file);
    const table = readRelocations(file, rela).find((r) => symbols[r.symbol]?.name === 'table');
    assert.ok(table, 'relocation against table[]');
    // table[-3] is 12 bytes before the symbol, minus 4 for the PC-relative displacement.
    assert.ok(table.addend < 0n, `addend ${table.addend} is negative`);
  });

  it('bpf: map references are R_BPF_64_64 and calls R_BPF_64_32 at ld_imm64/call instructions', () => {
    for (const [label, path] of fixtureObjects()) {
      if (!label.startsWith('bpf')) continue;
      const file = parseElf(readBytes(path));
      const symbols = readSymbols(file);
      const xdp = file.section('xdp');
      assert.ok(xdp);
      const sections = relocationSectionsFor(file, xdp);
      assert.equal(sections.length, 1);
      const rels = readRelocations(file, sections[0] as (typeof sections)[0]);
      const code = file.sectionData(xdp);
      const names = rels.map((r) => symbols[r.symbol]?.name);
      assert.ok(names.includes('counts') && names.includes('config'), `${label}: ${names.join(',')}`);
      for (const r of rels) {
        const at = Number(r.offset);
        assert.equal(at % 8, 0, 'relocations land on instruction boundaries');
        const opcode = code[at];
        if (r.type === R_BPF_64_64) assert.equal(opcode, 0x18, 'ld_imm64');
        else if (r.type === R_BPF_64_32) assert.equal(opcode, 0x85, 'call');
        else assert.fail(`${label}: unexpected relocation type ${r.type}`);
      }
    }
  });

  it('readRelocations refuses a section that holds no relocations', () => {
    const path = fixtureObjects().get('bpf (little-endian)') as string;
    const file = parseElf(readBytes(path));
    const btf = file.section('.BTF');
    assert.ok(btf);
    assert.throws(
      () => readRelocations(file, btf),
      (e: unknown) => e instanceof ElfError && /\.BTF/.test(e.message),
    );
  });
});
