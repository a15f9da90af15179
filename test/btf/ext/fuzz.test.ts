import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBtfExt } from '../../../src/btf/ext/index.js';
import { loadSpec } from '../../../src/btf/index.js';
import { parseElf } from '../../../src/elf/index.js';
import { TsbpfError } from '../../../src/errors.js';
import { readFixture } from '../../fixtures.js';
import { below, flipBits, truncated, writeEdgeWord } from '../../mutations.js';
import { objFixtures } from '../../obj/support.js';
import { seededRandom } from '../../random.js';

/** One random corruption: bit flips, an edge-value word, truncation, or a header field. */
function mutate(src: Uint8Array, rand: () => number, le: boolean): Uint8Array {
  const b = src.slice();
  const at = (n: number) => below(rand, n);
  const pick = rand();
  if (pick < 0.35) {
    flipBits(b, rand);
  } else if (pick < 0.65) {
    writeEdgeWord(b, rand, [0, 1, 4, 8, 0xffffffff, 0x7fffffff, 0x80000000, 12, 16, at(0x10000)], le);
  } else if (pick < 0.8) {
    return truncated(b, rand);
  } else {
    new DataView(b.buffer).setUint32(4 + 4 * at(7), [0, 4, 8, 24, 32, b.length, 0xffffffff, at(b.length * 2)][at(8)]!, le);
  }
  return b;
}

describe('.BTF.ext fuzz', () => {
  for (const f of objFixtures()) {
    for (const [path, seed] of [
      [f.el, 1000 + f.name.length],
      [f.eb, 2000 + f.name.length],
    ] as const) {
      test(`${path.split('/').at(-1)}: 1500 mutations raise only typed errors, never a RangeError`, () => {
        const elf = parseElf(readFixture(path));
        const spec = loadSpec(elf.sectionData(elf.section('.BTF')!));
        const ext = elf.sectionData(elf.section('.BTF.ext')!);
        const rand = seededRandom(seed);
        let rejected = 0;
        for (let i = 0; i < 1500; i++) {
          const input = mutate(ext, rand, elf.littleEndian);
          try {
            const out = parseBtfExt(input, spec.strings);
            for (const list of out.coreRelos.values()) for (const r of list) assert.ok(r.kind >= 0 && r.kind <= 12);
          } catch (err) {
            if (!(err instanceof TsbpfError)) assert.fail(`case ${i} (seed ${seed}): ${String((err as Error)?.stack ?? err)}`);
            rejected++;
          }
        }
        assert.ok(rejected > 100, `only ${rejected} rejected`);
      });
    }
  }
});
