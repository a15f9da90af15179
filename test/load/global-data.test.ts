/**
 * globalVariables: a loaded collection's global-data sections as objects of their variables,
 * mapped into the process (or, for a map made without BPF_F_MMAPABLE, through lookups), against
 * the host kernel with test/fixtures/bpf/load/datasecs.bpf.c.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NotFoundError, TsbpfError } from '../../src/errors.js';
import { Collection } from '../../src/load/collection.js';
import { assignVariables, globalVariables } from '../../src/load/global-data.js';
import { loadObject } from '../../src/obj/load-object.js';
import { BPF_F_MMAPABLE } from '../../src/obj/maps.js';
import { FIXTURES } from '../fixtures.js';
import { canBpf } from './support.js';

const DATASECS = join(FIXTURES, 'bpf', 'load', 'datasecs.bpf.o');

interface Data {
  counter: bigint;
  pair: { a: number; b: number };
}

/** How many BPF maps this process has mapped. */
function mappedMaps(): number {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.includes('bpf-map')).length;
}

function run(c: Collection): void {
  assert.equal(c.programs.get('bump')!.testRun({ data: new Uint8Array(64) }).retval, 2);
}

/** Loads datasecs.bpf.o, with `.data` made without BPF_F_MMAPABLE when `mapped` is false. */
function load(mapped: boolean): Collection {
  const spec = loadObject(new Uint8Array(readFileSync(DATASECS)), 'datasecs.bpf.o');
  if (mapped) return Collection.load({ spec });
  const maps = spec.maps.map((m) => (m.name === '.data' ? { ...m, flags: m.flags & ~BPF_F_MMAPABLE } : m));
  return Collection.load({ spec: { ...spec, maps } });
}

describe('globalVariables', { skip: canBpf() }, () => {
  for (const mapped of [true, false]) {
    test(`reads what programs write and writes what they read (${mapped ? 'mapped' : 'through the map'})`, () => {
      const c = load(mapped);
      try {
        assert.equal((c.maps.get('.data')!.flags & BPF_F_MMAPABLE) !== 0, mapped);
        const before = mappedMaps();
        const data = globalVariables<Data>(c, '.data');
        const bss = globalVariables<{ hits: bigint }>(c, '.bss');
        assert.equal(mappedMaps() - before, mapped ? 2 : 1, 'mappings of .data and .bss, or of .bss alone');
        assert.deepEqual([data.counter, data.pair, bss.hits], [7n, { a: 1, b: -2 }, 0n]);
        run(c); // hits += 1, counter += 10, pair.a++, pair.b--
        assert.deepEqual([data.counter, data.pair, bss.hits], [17n, { a: 2, b: -3 }, 1n]);
        data.pair = { a: 100, b: -100 };
        assignVariables(data, { counter: 1000n });
        run(c);
        assert.deepEqual([data.counter, data.pair, bss.hits], [1010n, { a: 101, b: -101 }, 2n]);
        assert.deepEqual(Object.keys(data), ['counter', 'pair']);
        assert.throws(
          () => {
            data.counter = 'many' as unknown as bigint;
          },
          (e: unknown) => e instanceof TsbpfError && /counter/.test(e.message),
        );
        assert.equal(data.counter, 1010n, 'a value that does not fit changes nothing');
      } finally {
        c.close();
      }
    });
  }

  test('a read-only section refuses writes; a closed collection refuses reads, not crashes', () => {
    const c = load(true);
    const rodata = globalVariables<{ scale: number }>(c, '.rodata');
    const cfg = globalVariables<{ limit: bigint }>(c, '.rodata.cfg');
    assert.deepEqual([rodata.scale, cfg.limit], [1, 10n]);
    assert.throws(
      () => {
        rodata.scale = 2;
      },
      (e: unknown) => e instanceof TsbpfError && /^global data \.rodata: variable scale is read-only/.test(e.message),
    );
    const before = mappedMaps();
    c.close();
    assert.equal(before - mappedMaps(), 2, 'both mappings released');
    // Reading the released mapping would fault: the object refuses instead.
    assert.throws(
      () => cfg.limit,
      (e: unknown) => e instanceof TsbpfError && e.message === 'global data .rodata.cfg: the collection is closed',
    );
  });

  test('a section the collection does not have is not found', () => {
    const c = load(true);
    try {
      assert.throws(() => globalVariables(c, '.data.nope'), NotFoundError);
    } finally {
      c.close();
    }
  });
});
