import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
  validateLoadable,
  writeRaw,
} from '../../src/btf/index.js';
import { BtfRuleError, KernelError, TsbpfError } from '../../src/errors.js';
import { ALL_BTF_FEATURES, kernelBtf, loadObject } from '../../src/obj/index.js';
import { btfLoad } from '../../src/sys/index.js';
import { KINDS_OBJECT, kernelFixtures, readFixture } from '../fixtures.js';
import { below, flipBits, truncated, writeEdgeWord } from '../mutations.js';
import { seededRandom } from '../random.js';

/** One random corruption: bit flips, a random word, truncation, or a header field set to an edge value. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = src.slice();
  const pick = rand();
  const at = (n: number) => below(rand, n);
  if (pick < 0.4) {
    flipBits(b, rand);
  } else if (pick < 0.65) {
    writeEdgeWord(b, rand, [0, 1, 0xffffffff, 0x7fffffff, 0x1000000, 0xffff, 0x13000000, 0x80000000, at(0x100000)], true);
  } else if (pick < 0.8) {
    return truncated(b, rand);
  } else {
    const field = 4 + 4 * at(5);
    new DataView(b.buffer).setUint32(field, [0, 24, b.length, 0xffffffff, at(b.length * 2)][at(5)]!, true);
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

/**
 * Corruptions of a blob the kernel loads (the loader's BTF for kinds.bpf.o): type records, names
 * and header fields.
 */
function mutateLoadable(src: Uint8Array, rand: () => number): Uint8Array {
  const b = src.slice();
  const v = new DataView(b.buffer);
  const at = (n: number) => Math.floor(rand() * n);
  const hdr = v.getUint32(4, true);
  const typeEnd = hdr + v.getUint32(8, true) + v.getUint32(12, true);
  const strOff = hdr + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  const pick = rand();
  if (pick > 0.9) {
    v.setUint32(4 + 4 * at(6), [0, 4, 24, 32, b.length, at(b.length)][at(6)]!, true);
  } else if (pick > 0.75) {
    b[strOff + at(strLen)] = NAME_BREAKERS[at(NAME_BREAKERS.length)]!;
  } else if (pick > 0.4) {
    const off = (hdr + at(typeEnd - hdr - 4)) & ~3;
    const edges = [0, 1, 2, 3, 4, 8, 0x80000000, 0x1000000, at(64), at(0x100)];
    v.setUint32(off, edges[at(edges.length)]! >>> 0, true);
  } else {
    for (let i = 0, n = 1 + at(2); i < n; i++) b[hdr + at(typeEnd - hdr)]! ^= 1 << at(8);
  }
  return b;
}

/** 'format <rule>', 'loadable <rule>', 'loads', or another error's class. */
function verdicts(bytes: Uint8Array): { format: string; loadable: string } {
  const format = 'valid';
  let spec: Spec;
  try {
    spec = loadSpec(bytes);
    spec.validate();
  } catch (err) {
    if (!(err instanceof TsbpfError)) throw err;
    const v = err instanceof BtfRuleError ? `format ${err.rule}` : err.name;
    return { format: v, loadable: v };
  }
  let loadable = 'loads';
  try {
    validateLoadable(spec);
  } catch (err) {
    if (!(err instanceof BtfRuleError)) throw err;
    loadable = `${err.level} ${err.rule}`;
  }
  return { format, loadable };
}

describe('fuzzing the two validation levels', () => {
  const loadable = kernelBtf(loadObject(readFixture(KINDS_OBJECT)), ALL_BTF_FEATURES)!;

  test('3000 corruptions of a loadable blob: the levels agree, and a loadable blob is format-valid', () => {
    const rand = seededRandom(5);
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const v = verdicts(mutateLoadable(loadable, rand));
      seen.add(v.loadable.split(' ')[0]!);
      if (v.loadable === 'loads') assert.equal(v.format, 'valid', `case ${i}`);
      // What the format refuses, the loadable level refuses the same way; a valid file is refused
      // at the loadable level only by a load-time rule.
      if (v.format !== 'valid') assert.equal(v.loadable, v.format, `case ${i}`);
      else if (v.loadable !== 'loads') assert.match(v.loadable, /^loadable /, `case ${i}`);
    }
    // Header, section and record faults are rules too: no refusal is a bare BtfError.
    assert.deepEqual([...seen].sort(), ['format', 'loadable', 'loads']);
  });

  test('the running kernel loads exactly the corrupted blobs the loadable level takes (600 of them)', {
    skip: kernelSkip(),
  }, () => {
    const rand = seededRandom(6);
    const wrong: string[] = [];
    let loaded = 0;
    for (let i = 0; i < 600; i++) {
      const bytes = mutateLoadable(loadable, rand);
      const ours = verdicts(bytes).loadable;
      let kernel = 'loads';
      try {
        btfLoad(bytes).close();
        loaded++;
      } catch (err) {
        if (!(err instanceof KernelError)) throw err;
        kernel = lastLogLine(err.log);
      }
      if ((ours === 'loads') !== (kernel === 'loads')) wrong.push(`case ${i}: tsbpf ${ours}, kernel ${kernel}`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(loaded > 50 && loaded < 550, `${loaded} of 600 loaded: the corruptions should mix both`);
  });
});

function kernelSkip(): string | false {
  if (process.getuid?.() !== 0) return 'needs root for BPF_BTF_LOAD';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'needs a kernel with BTF';
  return false;
}

function lastLogLine(log: string | undefined): string {
  const lines = (log ?? '').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
