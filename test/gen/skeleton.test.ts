/**
 * TypeScript skeletons: generated for every test and corpus object, they pass `tsc --strict` and
 * the project's lint; the loader test program's skeleton, loaded into the host kernel, reads and
 * writes its maps and global data through the typed handles.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { GenError } from '../../src/errors.js';
import { generateSkeleton } from '../../src/gen/skeleton.js';
import { coreFixtureObjects } from '../core/fixtures.js';
import { libbpfTools } from '../corpus/corpus.js';
import { FIXTURES, KINDS_OBJECT, ROOT, tempDir } from '../fixtures.js';
import { canBpf } from '../load/support.js';

const COUNTER = join(FIXTURES, 'bpf', 'load', 'counter.bpf.o');
const DATASECS = join(FIXTURES, 'bpf', 'load', 'datasecs.bpf.o');
const OBJ_DIR = join(FIXTURES, 'bpf', 'obj');

function objects(): string[] {
  return [
    COUNTER,
    DATASECS,
    KINDS_OBJECT,
    ...coreFixtureObjects(),
    ...readdirSync(OBJ_DIR)
      .filter((f) => f.endsWith('.bpf.o'))
      .map((f) => join(OBJ_DIR, f)),
    ...libbpfTools().map((o) => o.path),
  ];
}

function skeleton(path: string, importFrom: string): string {
  return generateSkeleton(new Uint8Array(readFileSync(path)), { file: path.replace(/^.*\//, ''), importFrom });
}

describe('gen skeleton', () => {
  it('passes tsc --strict and the lint for every test and corpus object', () => {
    const dir = join(tempDir(), `skeletons-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const all = objects();
    // A short relative import, as a user's project has: an absolute path to this checkout would
    // make the import line as long as the checkout's path, and the lint's verdict depend on it.
    symlinkSync(join(ROOT, 'src'), join(dir, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    for (const p of all) {
      const name = p.replace(/^.*\//, '').replace(/\..*$/, '');
      const text = skeleton(p, './src/load/index.js');
      // The object is embedded whole.
      const embedded = /^const OBJECT =\n {2}'([A-Za-z0-9+/=]*)';$/m.exec(text);
      assert.ok(embedded, name);
      assert.deepEqual(Buffer.from(embedded[1]!, 'base64'), readFileSync(p), name);
      writeFileSync(join(dir, `${name}.skel.ts`), text);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.base.json'),
        compilerOptions: {
          noEmit: true,
          lib: ['ES2022', 'ESNext.Disposable'],
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        include: ['*.skel.ts'],
      }),
    );
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
    delete config.$schema;
    writeFileSync(join(dir, 'biome.json'), JSON.stringify({ ...config, files: { includes: ['*.skel.ts'] } }));
    const run = (cmd: string, args: string[]) => {
      try {
        execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' });
      } catch (err) {
        const e = err as { stdout?: Buffer; stderr?: Buffer };
        assert.fail(`${cmd} ${args.join(' ')}:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
      }
    };
    run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--strict']);
    const skeletons = readdirSync(dir).filter((f) => f.endsWith('.skel.ts'));
    run(join(ROOT, 'node_modules/.bin/biome'), ['check', `--config-path=${dir}`, ...skeletons]);
    assert.equal(skeletons.length, new Set(all).size);
  });

  it('types maps and global data from BTF', () => {
    const text = skeleton(COUNTER, 'tsbpf/load');
    // counter.bpf.c: struct key { __u32 pid; char comm[16]; }, a __u64 value, enum mode.
    assert.match(text, /^export type Key = \{ pid: number; comm: string \};$/m);
    assert.match(text, /^ {2}readonly calls: TypedMap<Key, bigint>;$/m);
    assert.match(text, /^export type Mode = 'MODE_OFF' \| 'MODE_ON' \| number;$/m);
    assert.match(text, /^export type CounterBss = \{ total: bigint \};$/m);
    assert.match(text, /^export type CounterRodata = \{ target_tgid: number; step: bigint \};$/m);
    assert.match(text, /^ {2}readonly rodata: Readonly<CounterRodata>;$/m);
    assert.match(text, /^ {2}readonly events: BpfMap;$/m);
  });

  it('refuses a name that is not an identifier', () => {
    assert.throws(
      () => generateSkeleton(new Uint8Array(readFileSync(COUNTER)), { name: 'no-good' }),
      (e: unknown) => e instanceof GenError && /not an identifier/.test(e.message),
    );
  });

  it('loads into the host kernel and works through its typed handles', { skip: canBpf() }, async () => {
    const dir = join(tempDir(), `skeleton-run-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const source = skeleton(COUNTER, pathToFileURL(join(ROOT, 'build/src/load/index.js')).href);
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(dir, 'counter.skel.mjs');
    writeFileSync(file, js);
    const skel = (await import(pathToFileURL(file).href)) as {
      open(): {
        rodata: { target_tgid?: number; step?: bigint };
        load(o?: object): {
          maps: { calls: { entries(): Iterable<[{ pid: number; comm: string }, bigint]>; lookup(k: unknown): unknown } };
          progs: Record<string, { testRun(o: { data: Uint8Array }): { retval: number } }>;
          bss: { total: bigint };
          data: { runs: number; current_mode: string | number };
          rodata: { target_tgid: number; step: bigint };
          collection: import('../../src/load/collection.js').Collection;
          links: Record<string, { close(): void } | undefined>;
          attach(): void;
          close(): void;
        };
      };
    };
    const opened = skel.open();
    opened.rodata.target_tgid = process.pid;
    opened.rodata.step = 3n;
    const s = opened.load({ programs: { xdp_bad: { autoload: false } } });
    try {
      assert.equal(s.rodata.step, 3n);
      assert.throws(() => {
        (s.rodata as { step: bigint }).step = 1n;
      }, /read-only/);
      s.attach();
      // Only the tracepoint names a target; the XDP programs are the caller's to attach.
      assert.deepEqual(Object.keys(s.links), ['count_getppid']);
      for (let k = 0; k < 10; k++) void process.ppid;
      s.links.count_getppid!.close();
      assert.equal(s.bss.total, 30n);
      const entries = [...s.maps.calls.entries()];
      assert.equal(entries.length, 1);
      assert.equal(entries[0]![0].pid, process.pid);
      assert.equal(entries[0]![1], 30n);
      assert.equal(s.progs.xdp_count!.testRun({ data: new Uint8Array(64) }).retval, 2);
      assert.equal(s.data.runs, 6);
      s.data.current_mode = 'MODE_OFF';
      assert.equal(s.progs.xdp_count!.testRun({ data: new Uint8Array(64) }).retval, 1, 'XDP_DROP after .data changed');
      assert.equal(s.data.runs, 7);
      assert.throws(() => s.progs.xdp_bad, /xdp_bad was not loaded/);
    } finally {
      s.close();
    }
  });

  it('sets every global-data section before load and reads and writes them after, in the host kernel', {
    skip: canBpf(),
  }, async () => {
    const dir = join(tempDir(), `skeleton-datasecs-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const source = skeleton(DATASECS, pathToFileURL(join(ROOT, 'build/src/load/index.js')).href);
    // datasecs.bpf.c: one variable or more in each of .rodata, .rodata.cfg, .data, .data.custom,
    // .bss and .bss.custom, each section typed on its own.
    for (const [type, body] of [
      ['DatasecsRodata', '{ scale: number }'],
      ['DatasecsRodataCfg', '{ limit: bigint }'],
      ['DatasecsData', '{ counter: bigint; pair: Pair }'],
      ['DatasecsDataCustom', '{ custom: number }'],
      ['DatasecsBss', '{ hits: bigint }'],
      ['DatasecsBssCustom', '{ custom_hits: number }'],
    ] as const) {
      assert.ok(source.includes(`export type ${type} = ${body};`), type);
    }
    for (const p of ['rodata', 'rodata_cfg', 'data', 'data_custom', 'bss', 'bss_custom']) {
      assert.match(source, new RegExp(`^ {2}${p}: Partial<\\w+>;$`, 'm'), `open() has ${p}`);
    }
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(dir, 'datasecs.skel.mjs');
    writeFileSync(file, js);
    type Sections = {
      rodata: { scale: number };
      rodata_cfg: { limit: bigint };
      data: { counter: bigint; pair: { a: number; b: number } };
      data_custom: { custom: number };
      bss: { hits: bigint };
      bss_custom: { custom_hits: number };
    };
    const skel = (await import(pathToFileURL(file).href)) as {
      open(): { [K in keyof Sections]: Partial<Sections[K]> } & {
        load(o?: object): Sections & { progs: { bump: { testRun(o: { data: Uint8Array }): { retval: number } } }; close(): void };
      };
      load(o?: object): Sections & { close(): void };
    };
    /** Every variable of every section, in one order, as the skeleton reads it back. */
    const everyVariable = (s: Sections) => [
      s.rodata.scale,
      s.rodata_cfg.limit,
      s.data.counter,
      s.data.pair,
      s.data_custom.custom,
      s.bss.hits,
      s.bss_custom.custom_hits,
    ];
    // Untouched, each section holds what the object says (counter 7, pair {1,-2}, custom 3...).
    {
      const s = skel.load();
      try {
        assert.deepEqual(everyVariable(s), [1, 10n, 7n, { a: 1, b: -2 }, 3, 0n, 0]);
      } finally {
        s.close();
      }
    }
    const opened = skel.open();
    opened.rodata.scale = 5;
    opened.rodata_cfg.limit = 100n;
    opened.data.counter = 1000n;
    opened.data.pair = { a: 10, b: -3 };
    opened.data_custom.custom = 9;
    opened.bss.hits = 50n;
    opened.bss_custom.custom_hits = 4;
    const s = opened.load();
    try {
      // Read back through the maps, as set.
      assert.deepEqual(everyVariable(s), [5, 100n, 1000n, { a: 10, b: -3 }, 9, 50n, 4]);
      // The program sees them: hits += scale, custom_hits += custom, counter += limit, pair moves.
      assert.equal(s.progs.bump.testRun({ data: new Uint8Array(64) }).retval, 2);
      assert.deepEqual([s.data.counter, s.data.pair, s.bss.hits, s.bss_custom.custom_hits], [1100n, { a: 11, b: -4 }, 55n, 13]);
      // Written after load, through the maps; the program sees the new values.
      s.data_custom.custom = 100;
      s.bss.hits = 0n;
      s.data.counter = 0n;
      s.progs.bump.testRun({ data: new Uint8Array(64) });
      assert.deepEqual([s.bss_custom.custom_hits, s.bss.hits, s.data.counter], [113, 5n, 100n]);
      assert.throws(() => {
        (s.rodata_cfg as { limit: bigint }).limit = 1n;
      }, /read-only/);
    } finally {
      s.close();
    }
  });
});
