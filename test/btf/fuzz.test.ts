import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toText } from '../../src/btf/format/byte-writer.js';
import {
  Builder,
  btfSectionOf,
  formatC,
  formatJsonType,
  loadSpec,
  loadSplitSpec,
  type Spec,
  sizeOf,
  type Type,
  writeRaw,
} from '../../src/btf/index.js';
import { TsbpfError } from '../../src/errors.js';
import { KINDS_OBJECT, kernelFixtures, readFixture } from '../fixtures.js';
import { seededRandom } from '../random.js';

/** One random corruption: bit flips, a random word, truncation, or a header field set to an edge value. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = src.slice();
  const v = new DataView(b.buffer);
  const pick = rand();
  const at = (n: number) => Math.floor(rand() * n);
  if (pick < 0.4) {
    for (let i = 0, n = 1 + at(4); i < n; i++) b[at(b.length)]! ^= 1 << at(8);
  } else if (pick < 0.65) {
    const off = at(b.length - 4) & ~3;
    const edges = [0, 1, 0xffffffff, 0x7fffffff, 0x1000000, 0xffff, 0x13000000, 0x80000000, at(0x100000)];
    v.setUint32(off, edges[at(edges.length)]!, true);
  } else if (pick < 0.8) {
    return b.subarray(0, at(b.length));
  } else {
    const field = 4 + 4 * at(5);
    v.setUint32(field, [0, 24, b.length, 0xffffffff, at(b.length * 2)][at(5)]!, true);
  }
  return b;
}

/** Everything a caller may do with a spec that validated: none of it may throw. */
function useFully(spec: Spec): void {
  writeRaw(spec, () => {});
  for (const t of spec.types()) {
    formatJsonType(t);
    touch(t);
  }
  spec.typesByName('int');
}

function touch(t: Type): void {
  if ('typeId' in t && t.kind !== 'decl_tag') void t.type;
  if (t.kind === 'struct' || t.kind === 'union') for (const m of t.members) void m.type;
  if (t.kind === 'func_proto') for (const p of t.params) void p.type;
  if (t.kind === 'struct' || t.kind === 'int' || t.kind === 'ptr') {
    try {
      sizeOf(t);
    } catch (err) {
      if (!(err instanceof TsbpfError)) throw err;
    }
  }
}

function fuzz(name: string, original: Uint8Array, open: (b: Uint8Array) => Spec, cases: number, seed: number): void {
  test(`${name}: ${cases} mutations raise only typed errors, and what validates is usable`, () => {
    const rand = seededRandom(seed);
    let rejected = 0;
    for (let i = 0; i < cases; i++) {
      const input = mutate(original, rand);
      let spec: Spec;
      try {
        spec = open(input);
        spec.validate();
      } catch (err) {
        if (!(err instanceof TsbpfError)) assert.fail(`case ${i} (seed ${seed}): ${String((err as Error)?.stack ?? err)}`);
        rejected++;
        continue;
      }
      try {
        useFully(spec);
      } catch (err) {
        assert.fail(`case ${i} (seed ${seed}) validated but failed on use: ${String((err as Error)?.stack ?? err)}`);
      }
    }
    assert.ok(rejected > cases / 10, `only ${rejected} of ${cases} corruptions were caught`);
  });
}

/** Bytes that break names: line breaks, spaces, punctuation C would read, a leading digit, UTF-8. */
const NAME_BREAKERS = [0x0a, 0x0d, 0x20, 0x2d, 0x23, 0x7b, 0x3b, 0x22, 0x27, 0x5c, 0x30, 0x2e, 0x80, 0xc3, 0x7f, 0x01];

/** The preprocessor lines every C header has: those of an empty spec's. */
const FRAME_LINES = new Set(
  formatC(loadSpec(new Builder().marshal()))
    .split('\n')
    .filter((l) => l.startsWith('#')),
);

/** The dump's lines: each must open a type (`[id] `) or continue one (a tab); nothing else. */
function assertNoForgedLines(raw: string, c: string, where: string): void {
  for (const line of raw.split('\n')) {
    if (line !== '' && !/^\[\d+\] [A-Z_0-9]+ /.test(line) && !line.startsWith('\t')) {
      assert.fail(`${where}: raw dump line ${JSON.stringify(line)}`);
    }
  }
  for (const line of c.split('\n')) {
    if (line.startsWith('#') && !FRAME_LINES.has(line)) {
      assert.fail(`${where}: C header line ${JSON.stringify(line)}`);
    }
  }
}

describe('fuzzing names: what validates never forges a line of output', () => {
  const object = btfSectionOf(readFixture(KINDS_OBJECT)).slice();
  const spec0 = loadSpec(object);
  const strStart = spec0.header.strOff;
  const strEnd = strStart + spec0.header.strLen;
  test('1500 string-section corruptions, checked through the raw and C dumps', () => {
    const rand = seededRandom(3);
    let rejected = 0;
    for (let i = 0; i < 1500; i++) {
      const b = object.slice();
      for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
        const at = strStart + 1 + Math.floor(rand() * (strEnd - strStart - 2));
        b[at] = NAME_BREAKERS[Math.floor(rand() * NAME_BREAKERS.length)]!;
      }
      for (const kernelVerified of [false, true]) {
        let raw: string;
        let c: string;
        try {
          const spec = loadSpec(b, { kernelVerified });
          raw = toText((w) => writeRaw(spec, w));
          c = formatC(spec);
        } catch (err) {
          if (!(err instanceof TsbpfError)) assert.fail(`case ${i}: ${String((err as Error)?.stack ?? err)}`);
          rejected++;
          continue;
        }
        assertNoForgedLines(raw, c, `case ${i}${kernelVerified ? ' (kernel-verified)' : ''}`);
      }
    }
    assert.ok(rejected > 100, `only ${rejected} corruptions were refused`);
  });
});

describe('fuzzing the BTF parser with corrupted real blobs', () => {
  const object = btfSectionOf(readFixture(KINDS_OBJECT)).slice();
  fuzz('clang object .BTF', object, loadSpec, 4000, 1);

  const k = kernelFixtures()[0];
  const veth = k?.modules.get('veth');
  if (k && veth) {
    const base = loadSpec(k.vmlinux);
    base.validate();
    fuzz(`${k.release} veth module on its base`, veth, (b) => loadSplitSpec(b, base), 1500, 2);
  }
});
