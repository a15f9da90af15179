/**
 * Bad input to CO-RE never escapes as anything but a typed error, and never hangs: corrupted
 * objects (their .BTF, .BTF.ext and code), and random records (type IDs, access strings, kinds)
 * against real kernel BTF.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSpec, loadSplitSpec } from '../../src/btf/index.js';
import { type CandidateSource, specCandidateSource } from '../../src/core/candidates.js';
import { readCoreObject, relocateObject } from '../../src/core/object-relocations.js';
import { CoreRelocator } from '../../src/core/relocator.js';
import { parseElf } from '../../src/elf/index.js';
import { CoreError, TsbpfError } from '../../src/errors.js';
import { kernelFixtures } from '../fixtures.js';
import { seededRandom } from '../random.js';
import { CORE_FIXTURES } from './fixtures.js';

const OBJECT = new Uint8Array(readFileSync(join(CORE_FIXTURES, 'core-kinds.bpf.o')));

function target(): CandidateSource {
  const k = kernelFixtures().find((f) => f.release === 'sid') ?? kernelFixtures()[0]!;
  const vmlinux = loadSpec(k.vmlinux);
  return specCandidateSource([
    { name: 'vmlinux', spec: vmlinux },
    ...[...k.modules].map(([name, bytes]) => ({ name, spec: loadSplitSpec(bytes, vmlinux) })),
  ]);
}

/** Flips bits, or writes an edge value, inside one ELF section of a copy of the object. */
function corrupt(section: string, rand: () => number): Uint8Array {
  const b = OBJECT.slice();
  const s = parseElf(b).section(section)!;
  const at = (n: number) => Math.floor(rand() * n);
  const v = new DataView(b.buffer);
  for (let i = 0, n = 1 + at(3); i < n; i++) {
    const off = s.offset + at(s.size - 4);
    if (rand() < 0.5) b[off]! ^= 1 << at(8);
    else v.setUint32(off & ~3, [0, 1, 0xffffffff, 0x7fffffff, 0xffff, at(0x10000)][at(6)]!, true);
  }
  return b;
}

function typedOnly(run: () => void, what: string): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof TsbpfError)) throw new assert.AssertionError({ message: `${what}: ${String(err)}` });
  }
}

describe('CO-RE fuzz', () => {
  const source = target();

  for (const section of ['.BTF.ext', '.BTF', 'raw_tp/sys_enter', '.symtab']) {
    test(`corrupted ${section}: a typed error or a decision, never anything else`, () => {
      const rand = seededRandom(section.length * 7919);
      for (let i = 0; i < 150; i++) {
        const bytes = corrupt(section, rand);
        typedOnly(() => {
          const object = readCoreObject(bytes);
          relocateObject(object, new CoreRelocator(object.btf, source));
        }, `${section} #${i}`);
      }
    });
  }

  test('random records against real kernel BTF: a decision or a CoreError naming the relocation', () => {
    const object = readCoreObject(OBJECT);
    const relocator = new CoreRelocator(object.btf, source);
    const rand = seededRandom(42);
    const at = (n: number) => Math.floor(rand() * n);
    let decided = 0;
    for (let i = 0; i < 3000; i++) {
      const depth = 1 + at(5);
      const access = Array.from({ length: depth }, () => at(rand() < 0.8 ? 8 : 200)).join(rand() < 0.97 ? ':' : '::');
      const record = { insnOff: at(4) === 0 ? at(64) : 8 * at(64), typeId: at(object.btf.nextId + 3), access, kind: at(15) };
      try {
        relocator.relocate('prog', record, i);
        decided++;
      } catch (err) {
        assert.ok(err instanceof CoreError, `${JSON.stringify(record)}: ${String(err)}`);
        assert.equal(err.relocation, i);
        assert.match(err.message, new RegExp(`^program prog: relocation #${i}: `));
      }
    }
    assert.ok(decided > 50, `only ${decided} random records were decidable`);
  });
});
