/**
 * `tsbpf load <OBJ>`: loads a BPF object, attaches its programs by section, optionally test-runs
 * some, waits, and prints every map's contents decoded through BTF.
 * @module
 */
import { readFileSync } from 'node:fs';
import { KernelError, TsbpfError, UsageError } from '../errors.js';
import { KernelRegistry } from '../kernel/registry.js';
import { autoAttach } from '../load/auto-attach.js';
import type { Value } from '../load/btf-value.js';
import { autoloads, Collection } from '../load/collection.js';
import type { BpfMap } from '../load/map.js';
import { MapType, mapTypeName } from '../sys/map-type.js';
import { progTypeName } from '../sys/prog-type.js';
import type { Command, Io } from './command.js';
import { jsonText } from './json-out.js';

const USAGE = `Usage: tsbpf load <OBJ> [--duration S] [--disable PROG]... [--enable PROG]... [--test-run PROG]... [OPTIONS]

Loads every program of the BPF object OBJ (clang -target bpf), attaches each as its section
says (fentry/, kprobe/, tp/, raw_tp/...; targets in modules as well), runs BPF_PROG_TEST_RUN
once on a 64-byte zeroed packet for each --test-run program, waits for the duration (default:
until Ctrl-C), then prints every map's contents decoded through BTF and detaches.

  --duration S      wait S seconds (a decimal number) instead of until Ctrl-C
  --disable PROG    do not load PROG (libbpf's bpf_program__set_autoload(false))
  --enable PROG     load PROG although its section says not to (SEC("?name"); libbpf's
                    bpf_program__set_autoload(true))
  --test-run PROG   run PROG once with BPF_PROG_TEST_RUN
  --btf-dir DIR     CO-RE target types from DIR (laid out like /sys/kernel/btf)
  --debug           print the verifier log of programs that fail to load
  -j, --json        one JSON document:
                    {"programs":[{"name","section","type","attached","error"?,"target"?,
                    "testRun"?}],"maps":[{"name","type","keySize","valueSize","maxEntries",
                    "entries","contents"}]}

Exits 1 when a program fails to load, attach or run. Needs root.
`;

interface ProgramReport {
  name: string;
  section: string;
  type: string;
  attached: boolean;
  error?: string;
  target?: { object: string; typeId: number };
  testRun?: { retval: number; durationNs: number };
}

interface MapReport {
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  entries: number;
  contents: unknown;
}

/**
 * Map types whose contents cannot be listed by key: streams, and maps of file descriptors whose
 * elements the kernel does not hand back to user space.
 */
const UNLISTED = new Set<number>([
  MapType.PROG_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.RINGBUF,
  MapType.USER_RINGBUF,
  MapType.PERF_EVENT_ARRAY,
  MapType.QUEUE,
  MapType.STACK,
  MapType.BLOOM_FILTER,
  MapType.STRUCT_OPS,
]);

const GLOBAL_DATA = new Set(['data', 'rodata', 'bss', 'kconfig']);

/** A decoded value as JSON: bigints that fit a double as numbers, larger ones as decimal strings, bytes as arrays. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

function mapReport(name: string, map: BpfMap, origin: string | undefined): MapReport {
  let contents: unknown = [];
  let entries = 0;
  if (origin !== undefined && GLOBAL_DATA.has(origin)) {
    const value = map.lookup(0);
    contents = jsonValue(value ?? {});
    entries = value === undefined ? 0 : 1;
  } else if (!UNLISTED.has(map.type)) {
    const rows: { key: unknown; value: unknown }[] = [];
    for (const [key, value] of map.entries()) rows.push({ key: jsonValue(key), value: jsonValue(value) });
    contents = rows;
    entries = rows.length;
  }
  return {
    name,
    type: mapTypeName(map.type),
    keySize: map.keySize,
    valueSize: map.valueSize,
    maxEntries: map.maxEntries,
    entries,
    contents,
  };
}

function parseArgs(args: readonly string[]) {
  let object: string | undefined;
  let duration: number | undefined;
  let debug = false;
  const disable: string[] = [];
  const enable: string[] = [];
  const testRun: string[] = [];
  let btfDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === '') throw new UsageError(`load: option ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--duration': {
        const v = value();
        duration = Number(v);
        if (!Number.isFinite(duration) || duration < 0)
          throw new UsageError(`load: --duration wants a number of seconds, got '${v}'`);
        break;
      }
      case '--disable':
        disable.push(value());
        break;
      case '--enable':
        enable.push(value());
        break;
      case '--test-run':
        testRun.push(value());
        break;
      case '--btf-dir':
        btfDir = value();
        break;
      case '--debug':
        debug = true;
        break;
      default:
        if (a.startsWith('-')) throw new UsageError(`load: unknown option '${a}'`);
        if (object !== undefined) throw new UsageError(`load: unexpected argument '${a}'`);
        object = a;
    }
  }
  if (object === undefined) throw new UsageError('load: missing <OBJ>');
  const both = disable.find((name) => enable.includes(name));
  if (both !== undefined) throw new UsageError(`load: program '${both}' is both enabled and disabled`);
  return { object, duration, debug, disable, enable, testRun, btfDir };
}

async function wait(duration: number | undefined, io: Io, started: number): Promise<void> {
  if (duration === 0) return;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
  const tick =
    io.status !== undefined
      ? setInterval(
          () =>
            io.status?.(
              `loaded; ${Math.round((Date.now() - started) / 1000)} s${duration !== undefined ? ` of ${duration}` : ' (Ctrl-C to stop)'}`,
            ),
          1000,
        )
      : undefined;
  await stopped;
  if (timer !== undefined) clearTimeout(timer);
  if (tick !== undefined) clearInterval(tick);
  io.status?.('');
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
}

export const load: Command = {
  usage: USAGE,
  async run(args, options, io) {
    const a = parseArgs(args);
    const btfDir = a.btfDir ?? options.btfDir;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(a.object));
    } catch (err) {
      throw new TsbpfError(`${a.object}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
    const programs = Object.fromEntries([
      ...a.disable.map((name) => [name, { autoload: false }] as const),
      ...a.enable.map((name) => [name, { autoload: true }] as const),
    ]);
    const collection = Collection.load(bytes, {
      name: a.object,
      keepGoing: true,
      programs,
      ...(btfDir !== undefined ? { candidates: new KernelRegistry({ dir: btfDir }).candidateSource() } : {}),
    });
    const started = Date.now();
    try {
      const known = new Set(collection.spec.programs.map((p) => p.name));
      for (const name of [...a.disable, ...a.enable, ...a.testRun]) {
        if (!known.has(name))
          throw new UsageError(`load: no program '${name}' in ${a.object} (it has: ${[...known].join(', ')})`);
      }
      const reports: ProgramReport[] = [];
      let failed = false;
      for (const p of collection.spec.programs) {
        // Turned off here, or by its section (`SEC("?name")`) and not turned on: not loaded, so not reported.
        if (!autoloads(p, { programs })) continue;
        const report: ProgramReport = { name: p.name, section: p.section, type: progTypeName(p.type), attached: false };
        reports.push(report);
        const error = collection.errors.get(p.name);
        const prog = collection.programs.get(p.name);
        if (error !== undefined || prog === undefined) {
          failed = true;
          report.error = (error ?? new Error('not loaded')).message;
          if (a.debug && error instanceof KernelError && error.log !== undefined)
            io.err(`${p.name}: verifier log:\n${error.log.trimEnd()}`);
          continue;
        }
        if (prog.target !== undefined) report.target = { object: prog.target.object, typeId: prog.target.typeId };
        try {
          const link = autoAttach(prog, p);
          if (link !== undefined) {
            collection.adopt(link);
            report.attached = true;
          }
        } catch (err) {
          failed = true;
          report.error = (err as Error).message;
        }
        if (a.testRun.includes(p.name)) {
          try {
            const r = prog.testRun({ data: new Uint8Array(64) });
            report.testRun = { retval: r.retval, durationNs: r.durationNs };
          } catch (err) {
            failed = true;
            report.error = report.error ?? (err as Error).message;
          }
        }
      }
      if (!options.json) {
        for (const r of reports) {
          const state = r.error !== undefined ? `error: ${r.error}` : r.attached ? 'attached' : 'loaded';
          const target = r.target !== undefined ? ` -> ${r.target.object} [${r.target.typeId}]` : '';
          const run = r.testRun !== undefined ? ` (test run: retval ${r.testRun.retval}, ${r.testRun.durationNs} ns)` : '';
          io.out(`program ${r.name} (${r.section}, ${r.type})${target}: ${state}${run}\n`);
        }
      }
      await wait(a.duration, io, started);
      const maps: MapReport[] = [];
      const origins = new Map(collection.spec.maps.map((m) => [m.name, m.origin]));
      for (const [name, map] of collection.maps) maps.push(mapReport(name, map, origins.get(name)));
      if (options.json) {
        const doc = { programs: reports, maps };
        io.out(jsonText(doc, options.pretty));
      } else {
        for (const m of maps) {
          io.out(
            `map ${m.name} (${m.type}, key ${m.keySize}, value ${m.valueSize}, max_entries ${m.maxEntries}): ${m.entries} entries\n`,
          );
          if (Array.isArray(m.contents)) {
            for (const row of m.contents as { key: Value; value: Value }[])
              io.out(`  ${JSON.stringify(row.key)} => ${JSON.stringify(row.value)}\n`);
          } else {
            io.out(`  ${JSON.stringify(m.contents)}\n`);
          }
        }
      }
      return failed ? 1 : 0;
    } finally {
      collection.close();
    }
  },
};
