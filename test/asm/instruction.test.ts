import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BPF_DW,
  BPF_IMM,
  BPF_LD,
  decodeInstructions,
  encodeInstructions,
  isAlu,
  isCall,
  isExit,
  isLdImm64,
  isLoad,
  isPseudoCall,
  ldImm64Value,
} from '../../src/asm/index.js';
import { parseElf, R_BPF_64_32, R_BPF_64_64, readRelocations, SHF_EXECINSTR, SHT_REL } from '../../src/elf/index.js';
import { AsmError } from '../../src/errors.js';
import { readFixture } from '../fixtures.js';
import { objdump, objdumpMissing, objFixtures } from '../obj/support.js';

/** Every executable section of an object, decoded. */
function code(path: string) {
  const elf = parseElf(readFixture(path));
  return {
    elf,
    sections: elf.sections
      .filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0)
      .map((s) => ({ section: s, bytes: elf.sectionData(s), insns: decodeInstructions(elf.sectionData(s), elf.littleEndian) })),
  };
}

describe('asm: instructions of clang objects', () => {
  for (const f of objFixtures()) {
    test(`${f.name}: both byte orders encode back byte for byte`, () => {
      for (const [path, le] of [
        [f.el, true],
        [f.eb, false],
      ] as const) {
        const { sections } = code(path);
        assert.ok(sections.length > 0);
        for (const { section, bytes, insns } of sections) {
          assert.deepEqual(encodeInstructions(insns, le), bytes, section.name);
          assert.ok(isExit(insns.at(-1)!), `${section.name} ends in exit`);
        }
      }
    });

    test(`${f.name}: ld_imm64 relocations land on ld_imm64, call relocations on calls`, () => {
      const { elf, sections } = code(f.el);
      for (const s of elf.sectionsOfType(SHT_REL)) {
        const target = sections.find((c) => c.section.index === s.info);
        if (target === undefined) continue;
        for (const r of readRelocations(elf, s)) {
          const insn = target.insns[Number(r.offset) / 8]!;
          if (r.type === R_BPF_64_64) assert.ok(isLdImm64(insn), `${s.name}+${r.offset}`);
          else if (r.type === R_BPF_64_32) assert.ok(isCall(insn), `${s.name}+${r.offset}`);
        }
      }
    });

    test(`${f.name}: opcodes and 16-byte slots agree with llvm-objdump`, { skip: objdumpMissing() }, () => {
      for (const path of [f.el, f.eb]) {
        const { sections } = code(path);
        const lines = objdump(path);
        for (const { section, insns } of sections) {
          const mine = lines.filter((l) => l.section === section.name);
          let slots = 0;
          for (const line of mine) {
            const insn = insns[line.offset / 8]!;
            assert.equal(insn.code, line.bytes[0], `${section.name}: ${line.text}`);
            assert.equal(line.bytes.length === 16, isLdImm64(insn), `${section.name}: ${line.text}`);
            if (isPseudoCall(insn)) assert.match(line.text, /^call /);
            // Registers and offsets as objdump prints them: `r1 = *(u32 *)(r6 + 4)`, `w2 += 3`.
            if (isLoad(insn)) {
              const sign = insn.off < 0 ? '-' : '+';
              assert.ok(line.text.startsWith(`r${insn.dst} = `), line.text);
              assert.ok(line.text.endsWith(`(r${insn.src} ${sign} ${Math.abs(insn.off)})`), line.text);
            } else if (isAlu(insn)) {
              assert.match(line.text, new RegExp(`^[rw]${insn.dst}\\b`), line.text);
            }
            slots += line.bytes.length / 8;
          }
          assert.equal(slots, insns.length, section.name);
        }
      }
    });
  }
});

describe('asm: encoding', () => {
  test('register nibbles swap with the byte order, signed fields keep their sign', () => {
    const insn = { code: 0x61, dst: 1, src: 6, off: -4, imm: -2 };
    const le = encodeInstructions([insn], true);
    const be = encodeInstructions([insn], false);
    assert.deepEqual([...le], [0x61, 0x61, 0xfc, 0xff, 0xfe, 0xff, 0xff, 0xff]);
    assert.deepEqual([...be], [0x61, 0x16, 0xff, 0xfc, 0xff, 0xff, 0xff, 0xfe]);
    assert.deepEqual(decodeInstructions(le, true), [insn]);
    assert.deepEqual(decodeInstructions(be, false), [insn]);
  });

  test('an unsigned immediate pattern encodes as its signed value', () => {
    const bytes = encodeInstructions([{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0xffffffff }], true);
    assert.equal(decodeInstructions(bytes, true)[0]!.imm, -1);
  });

  test('ld_imm64 joins its two slots into one 64-bit value', () => {
    const insns = [
      { code: BPF_LD | BPF_IMM | BPF_DW, dst: 1, src: 0, off: 0, imm: -1 },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0x12345678 },
    ];
    assert.equal(ldImm64Value(insns, 0), 0x12345678ffffffffn);
    assert.throws(() => ldImm64Value(insns, 1), AsmError);
  });

  test('out-of-range fields and ragged lengths are typed errors naming the instruction', () => {
    const ok = { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 };
    for (const bad of [{ code: 256 }, { dst: 16 }, { src: -1 }, { off: 0x8000 }, { imm: 2 ** 32 }, { imm: 0.5 }]) {
      assert.throws(
        () => encodeInstructions([ok, { ...ok, ...bad }], true),
        (e: unknown) => e instanceof AsmError && e.insn === 1,
      );
    }
    assert.throws(() => decodeInstructions(new Uint8Array(12), true), AsmError);
  });
});
