/**
 * A spec keeps the caller's bytes; changing them afterwards breaks the contract, and must give
 * an error or garbage, never a hang, a stack overflow or a native crash. Each class of change is
 * made to a validated spec, before and after its name index exists, and everything that reads
 * the bytes runs on it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { btfSectionOf, formatC, loadSpec, type Spec, writeJson, writeRaw } from '../../src/btf/index.js';
import { TsbpfError } from '../../src/errors.js';
import { KINDS_OBJECT, readFixture } from '../fixtures.js';
import { seededRandom } from '../random.js';

/** Runs `fn`; a typed error is a fine answer, anything else thrown fails the test. */
function survives(what: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof TsbpfError)) assert.fail(`${what}: ${String((err as Error)?.stack ?? err)}`);
  }
}

/** Every reader of the bytes, with output thrown away but counted (garbage is allowed, not without end). */
function readEverything(spec: Spec, what: string): void {
  const limit = 64 * spec.bytes.length + (1 << 20);
  const sink = (label: string) => {
    let total = 0;
    return (c: Uint8Array | string) => {
      total += c.length;
      if (total > limit) assert.fail(`${what}: ${label} wrote more than ${limit} bytes`);
    };
  };
  survives(`${what}: typeByName`, () => spec.typeByName('task_struct') ?? spec.typeByName('int'));
  survives(`${what}: writeRaw`, () => writeRaw(spec, sink('writeRaw')));
  survives(`${what}: writeJson`, () => writeJson(spec, sink('writeJson')));
  survives(`${what}: formatC`, () => formatC(spec));
  survives(`${what}: types`, () => {
    for (const t of spec.types()) void t.name;
  });
}

type Change = (b: Uint8Array, spec: Spec) => void;

/** Word offsets of every record head of the (unchanged) spec. */
function heads(spec: Spec): number[] {
  const s = spec.section;
  const base = spec.header.typeOff;
  return Array.from({ length: s.count }, (_, i) => base + s.starts[i]! * 4);
}

const CHANGES: Record<string, Change> = {
  'every NUL of the string section overwritten': (b, spec) => {
    const { strOff, strLen } = spec.header;
    for (let i = strOff; i < strOff + strLen; i++) if (b[i] === 0) b[i] = 0x61;
  },
  'every vlen set to the maximum': (b, spec) => {
    const v = new DataView(b.buffer, b.byteOffset);
    for (const h of heads(spec)) v.setUint32(h + 4, (v.getUint32(h + 4, true) & 0xff000000) | 0xffffff, true);
  },
  'every reference pointed at its own type': (b, spec) => {
    const v = new DataView(b.buffer, b.byteOffset);
    heads(spec).forEach((h, i) => {
      const kind = (v.getUint32(h + 4, true) >>> 24) & 0x7f;
      // PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: the type word.
      if ([2, 8, 9, 10, 11, 18].includes(kind)) v.setUint32(h + 8, spec.firstId + i, true);
    });
  },
  'every record turned into a struct': (b, spec) => {
    const v = new DataView(b.buffer, b.byteOffset);
    for (const h of heads(spec)) v.setUint32(h + 4, (4 << 24) | (v.getUint32(h + 4, true) & 0xffff), true);
  },
  'the type section filled with random words': (b, spec) => {
    const rand = seededRandom(7);
    const v = new DataView(b.buffer, b.byteOffset);
    const { typeOff, typeLen } = spec.header;
    for (let o = typeOff; o + 4 <= typeOff + typeLen; o += 4) v.setUint32(o, Math.floor(rand() * 2 ** 32), true);
  },
  'the whole blob zeroed': (b) => b.fill(0),
};

describe('bytes changed after loading give errors or garbage, never a hang', () => {
  const blobs: [string, Uint8Array][] = [['clang object', btfSectionOf(readFixture(KINDS_OBJECT))]];
  for (const [name, original] of blobs) {
    for (const [change, apply] of Object.entries(CHANGES)) {
      test(`${name}: ${change}`, { timeout: 120_000 }, () => {
        for (const indexFirst of [false, true]) {
          const bytes = original.slice();
          const spec = loadSpec(bytes);
          spec.validate();
          if (indexFirst) spec.typeByName('int');
          apply(bytes, spec);
          readEverything(spec, `${change}${indexFirst ? ' (index built before)' : ''}`);
        }
      });
    }
  }
});
