import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { disassemble } from '../../src/asm/index.js';
import { TsbpfError } from '../../src/errors.js';
import { ALL_BTF_FEATURES, kconfigData, kernelBtf, linkProgram, loadObject } from '../../src/obj/index.js';
import { below, flipBits, truncated, writeEdgeWord } from '../mutations.js';
import { seededRandom } from '../random.js';
import { objBytes, objFixtures } from './support.js';

/** One random corruption: bit flips, an edge-value word, truncation. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = src.slice();
  const at = (n: number) => below(rand, n);
  const pick = rand();
  if (pick < 0.45) {
    flipBits(b, rand);
  } else if (pick < 0.85) {
    const edges = [0, 1, 8, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, at(0x10000), at(b.length)];
    writeEdgeWord(b, rand, edges, rand() < 0.5);
  } else {
    return truncated(b, rand);
  }
  return b;
}

describe('obj fuzz', () => {
  for (const f of objFixtures()) {
    for (const eb of [false, true]) {
      const seed = 7000 + f.name.length * 13 + (eb ? 1 : 0);
      test(`${f.name}${eb ? ' (bpfeb)' : ''}: 150 mutations raise only typed errors, and what loads links`, () => {
        const original = objBytes(f.name, eb);
        const rand = seededRandom(seed);
        let rejected = 0;
        for (let i = 0; i < 150; i++) {
          const input = mutate(original, rand);
          try {
            const o = loadObject(input, f.name);
            for (const p of o.programs) {
              const l = linkProgram(o, p);
              disassemble(l.instructions, { references: l.references });
            }
            kernelBtf(o, { ...ALL_BTF_FEATURES, datasec: false, float: false, enum64: false, declTag: false, typeTag: false });
            kconfigData(o.externs, o.littleEndian, new Map(), {});
          } catch (err) {
            if (!(err instanceof TsbpfError)) assert.fail(`case ${i} (seed ${seed}): ${String((err as Error)?.stack ?? err)}`);
            rejected++;
          }
        }
        assert.ok(rejected > 0);
      });
    }
  }
});
