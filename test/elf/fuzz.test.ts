import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseElf, readRelocations, readSymbols, SHT_REL, SHT_RELA } from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { seededRandom } from '../random.js';
import { fixtureObjects, readBytes, toolsMissing } from './support.js';

const SEED = 0x7eb9f;
const ITERATIONS = 4000;

/** Applies 1-4 random mutations, aimed mostly at the header and the section header table. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  let bytes = new Uint8Array(src);
  const view = new DataView(bytes.buffer);
  const is64 = bytes[4] === 2;
  const le = bytes[5] !== 2;
  const shoff = is64 ? Number(view.getBigUint64(40, le)) : view.getUint32(32, le);
  const shSize = bytes.length - shoff;
  const pick = (n: number): number => Math.floor(rand() * n);
  const inTable = (): number => (shSize > 0 && shoff < bytes.length ? shoff + pick(shSize) : pick(bytes.length));
  const extremes = [0, 1, 0xff, 0xffff, 0xff00, 0xffffffff, 0x7fffffff, bytes.length, bytes.length - 1];
  for (let n = 1 + pick(4); n > 0; n--) {
    const kind = pick(7);
    if (kind === 0) {
      const at = pick(bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 << pick(8));
    } else if (kind === 1) {
      bytes = bytes.subarray(0, pick(bytes.length + 1));
    } else if (kind === 2) {
      bytes[pick(Math.min(64, bytes.length))] = pick(256);
    } else if (kind === 3) {
      const at = inTable();
      bytes[at] = pick(256);
    } else if (kind === 4) {
      // A whole word of the section table (or header) set to an edge value.
      const at = rand() < 0.5 ? inTable() & ~3 : pick(16) * 4;
      if (at + 4 <= bytes.length) {
        new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, extremes[pick(extremes.length)] as number, le);
      }
    } else if (kind === 5) {
      const at = inTable();
      bytes[at] = (bytes[at] as number) ^ (1 << pick(8));
    } else {
      // Random bytes anywhere, including section data (string and symbol tables).
      const at = pick(bytes.length);
      for (let i = 0; i < 8 && at + i < bytes.length; i++) bytes[at + i] = pick(256);
    }
  }
  return bytes;
}

/** Runs every reader over `bytes`; each step may fail, but only with an ElfError. */
function exercise(bytes: Uint8Array, failures: Map<string, number>): void {
  const step = (fn: () => unknown): void => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      const key = e.message.replace(/\d+/g, 'N');
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  };
  step(() => {
    const file = parseElf(bytes);
    for (const s of file.sections) {
      step(() => file.sectionData(s));
      step(() => file.rawSectionData(s));
      if (s.type === SHT_REL || s.type === SHT_RELA) step(() => readRelocations(file, s));
    }
    step(() => readSymbols(file));
    step(() => file.section('.BTF'));
  });
}

describe('fuzzing the ELF reader', { skip: toolsMissing }, () => {
  it(`${ITERATIONS} seeded mutations only ever raise ElfError`, { timeout: 30_000 }, () => {
    const inputs = [...fixtureObjects().values()].map((p) => new Uint8Array(readBytes(p)));
    const rand = seededRandom(SEED);
    const failures = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const input = inputs[i % inputs.length] as Uint8Array;
      const bytes = mutate(input, rand);
      try {
        exercise(bytes, failures);
      } catch (e) {
        assert.fail(`iteration ${i} (seed ${SEED}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
    const ms = performance.now() - started;
    const total = [...failures.values()].reduce((a, b) => a + b, 0);
    console.log(`fuzz: ${ITERATIONS} inputs in ${ms.toFixed(0)} ms, ${total} ElfErrors of ${failures.size} kinds`);
    // The mutations must actually reach the error paths, or the test proves nothing.
    assert.ok(failures.size >= 8, `only ${failures.size} kinds of ElfError seen`);
    assert.ok(ms < 15_000, `fuzzing took ${ms.toFixed(0)} ms`);
  });
});
