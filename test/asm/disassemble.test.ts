import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { disassemble, formatInstruction, type Instruction } from '../../src/asm/index.js';
import { linkProgram, loadObject } from '../../src/obj/index.js';
import { have } from '../fixtures.js';
import { OBJ_FIXTURES, objBytes } from '../obj/support.js';

/** Why programs cannot be loaded with bpftool here, or undefined. */
function bpftoolLoadMissing(): string | undefined {
  if (!have('bpftool')) return 'bpftool is not installed';
  if (process.getuid?.() !== 0) return 'loading programs needs root';
  if (!existsSync('/sys/fs/bpf')) return 'no bpffs at /sys/fs/bpf';
  return undefined;
}

interface XlatedInsn {
  disasm: string;
  opcodes: { code: string; src_reg: string; dst_reg: string; off: string[]; imm: string[] };
}

/** Loads every program of an object with bpftool and returns each one's xlated instructions. */
function xlated(object: string, programs: string[]): Map<string, XlatedInsn[]> {
  const dir = `/sys/fs/bpf/tsbpf-asm-test-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  const r = spawnSync('bpftool', ['prog', 'loadall', join(OBJ_FIXTURES, object), dir], { encoding: 'utf8' });
  try {
    if (r.status !== 0) throw new Error(`bpftool prog loadall ${object}: ${r.stderr}`);
    const out = new Map<string, XlatedInsn[]>();
    for (const p of programs) {
      const json = execFileSync('bpftool', ['-j', 'prog', 'dump', 'xlated', 'pinned', join(dir, p), 'opcodes'], {
        encoding: 'utf8',
      });
      out.set(p, JSON.parse(json) as XlatedInsn[]);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The kernel's instruction back as slots (bpftool prints bytes in host order). */
function slots(x: XlatedInsn): Instruction[] {
  const b = (h: string[]) => h.map((v) => Number.parseInt(v, 16));
  const word = (bytes: number[], at: number) => new DataView(new Uint8Array(bytes).buffer).getInt32(at, true);
  const off = new DataView(new Uint8Array(b(x.opcodes.off)).buffer).getInt16(0, true);
  const imm = b(x.opcodes.imm);
  const first = {
    code: Number.parseInt(x.opcodes.code, 16),
    dst: Number.parseInt(x.opcodes.dst_reg, 16),
    src: Number.parseInt(x.opcodes.src_reg, 16),
    off,
    imm: word(imm, 0),
  };
  return imm.length === 12 ? [first, { code: 0, dst: 0, src: 0, off: 0, imm: word(imm, 8) }] : [first];
}

describe('asm: disassembly in the kernel notation', () => {
  test('every instruction the kernel shows for loaded programs reads as bpftool prints it', {
    skip: bpftoolLoadMissing(),
  }, () => {
    let compared = 0;
    for (const [object, programs] of [
      ['calls.bpf.o', ['first', 'second', 'third']],
      ['maps.bpf.o', ['use_maps', 'tail']],
    ] as const) {
      for (const [name, insns] of xlated(object, [...programs])) {
        for (const x of insns) {
          const text = x.disasm.replace(/^\([0-9a-f]{2}\) /, '');
          // Names the kernel resolves (map IDs, helper addresses, program tags) are not in the instruction.
          if (/map\[id:|^call /.test(text)) continue;
          const s = slots(x);
          assert.equal(formatInstruction(s, 0), text, `${object} ${name}: ${x.disasm}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 100, `only ${compared} instructions compared`);
  });

  test('an object program with its references named', () => {
    const o = loadObject(objBytes('calls'));
    const third = o.programs.find((p) => p.name === 'third')!;
    const lines = disassemble(third.instructions, { references: third.references });
    assert.ok(
      lines.some((l) => /^ {3}6: \(18\) r1 = map\[counts\]$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => /\(18\) r2 = &each_cb$/.test(l)));
    const linked = linkProgram(o, third);
    const after = disassemble(linked.instructions, { references: linked.references });
    assert.ok(
      after.some((l) => /\(18\) r2 = subprog\[\+\d+\]$/.test(l)),
      after.join('\n'),
    );
    assert.ok(lines.some((l) => /\(85\) call bpf_for_each_map_elem#164$/.test(l)));
    assert.ok(lines.some((l) => /\(85\) call pc[+-]\d+ <twice>$/.test(l)));
    assert.equal(lines.at(-1)?.endsWith('(95) exit'), true);
  });
});
