/**
 * The libbpf oracles (C programs in test/oracle/ on libbpf-dev, libbpf 1.1 on Debian 12), built on
 * demand into test/oracle/bin/ (git-ignored), and the shapes of what they print.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../fixtures.js';

/** Where the oracles' sources and Makefile are. */
export const ORACLE_DIR = join(ROOT, 'test', 'oracle');

let built: string | undefined | null = null;

/**
 * Builds every oracle if needed (`make -C test/oracle`, once per process).
 *
 * @returns why the oracles cannot be had (for a test's `skip`), or `undefined` when they are built.
 */
export function oraclesUnavailable(): string | undefined {
  if (built !== null) return built;
  if (!existsSync('/usr/include/bpf/libbpf.h')) {
    built = 'libbpf-dev is not installed (apt-get install libbpf-dev)';
  } else {
    const r = spawnSync('make', ['-s', '-C', ORACLE_DIR], { encoding: 'utf8' });
    built = r.status === 0 ? undefined : `make -C test/oracle failed: ${r.stderr}`;
  }
  return built;
}

/** A BTF type as libbpf's CO-RE log names it. */
export interface OracleType {
  /** BTF object of a candidate: "vmlinux", a module's name (absent for the local type). */
  object?: string;
  id: number;
  /** BTF kind as libbpf prints it: struct, union, enum, typedef, int, fwd... */
  kind: string;
  /** Type name, `___flavour` suffix included ("<anon>" for an anonymous type). */
  name: string;
  /** libbpf's whole spec text, e.g. `<byte_off> [40] struct task_struct.pid (0:54 @ offset 1440)`. */
  spec: string;
}

/** One instruction rewrite libbpf logged for a relocation. */
export interface OraclePatch {
  insn: number;
  /** `imm` (ALU), `off` (load/store), `mem_sz` (load/store size), `imm64` (ld_imm64). */
  field: string;
  /** Values; 64-bit ones beyond 2^53 arrive as decimal strings. */
  old: number | string;
  new: number | string;
}

/** One CO-RE relocation as libbpf 1.1 decided it. */
export interface OracleRelocation {
  /** ELF section of the program. */
  section: string;
  /** Function name of the (sub)program holding the instruction. */
  program: string;
  /** Index of the record among its section's CO-RE records. */
  relo: number;
  /** Instruction index within the function as compiled; null when libbpf logged no patch. */
  insn: number | null;
  /** libbpf's kind name: byte_off, byte_sz, field_exists, ..., enumval_value, type_matches. */
  kind: string;
  local: OracleType;
  /** Access string of a field relocation ("0:1:2"), null for type and enum value kinds. */
  access: string | null;
  candidates: { object?: string; id: number; matching: boolean; spec: string }[];
  /** The first matching candidate: the one whose value libbpf used. */
  target: OracleType | null;
  patches: OraclePatch[];
  /** Old and new value of the first patch other than mem_sz. */
  old: number | string | null;
  new: number | string | null;
  poison: boolean;
  /** libbpf's message when it rejected the relocation (ambiguity, bad record...). */
  failed?: string;
}

/** What `core-relos` prints. */
export interface CoreRelosReport {
  object: string;
  target: string | null;
  loaded: boolean;
  error?: string;
  relocations: OracleRelocation[];
}

/**
 * libbpf's CO-RE decisions for `object` against `target` (a raw BTF or ELF file), or against the
 * running kernel when `target` is omitted. Call {@link oraclesUnavailable} first.
 *
 * @throws when the oracle fails to open the object (its stderr in the message).
 */
export function coreRelos(object: string, target?: string): CoreRelosReport {
  const args = [object, ...(target === undefined ? [] : ['--btf', target])];
  const out = execFileSync(join(ORACLE_DIR, 'bin', 'core-relos'), args, {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as CoreRelosReport;
}

/** A program as `load-run` reports it. */
export interface LoadRunProgram {
  name: string;
  section: string;
  /** enum bpf_prog_type. */
  type: number;
  autoload: boolean;
  attached: boolean;
  /** Why attaching failed (strerror). */
  error?: string;
}

/** A map as `load-run` reports it, after the programs ran. */
export interface LoadRunMap {
  name: string;
  /** enum bpf_map_type. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Entries read by iterating the keys; null for ring buffers, perf event arrays and unloaded objects. */
  entries: number | null;
  /** Raw keys and values in hex (per-CPU values: every CPU's slot, rounded up to 8 bytes). */
  contents: { key: string; value: string }[] | null;
  /** Records a ring buffer or perf event array delivered while the programs ran. */
  events?: number;
  /** Why iterating stopped early (strerror), e.g. a map type whose values cannot be read. */
  error?: string;
}

/** What `load-run` prints. */
export interface LoadRunReport {
  object: string;
  loaded: boolean;
  error?: string;
  programs: LoadRunProgram[];
  maps: LoadRunMap[];
}

/** Options of `load-run`, one to one with its flags. */
export interface LoadRunOptions {
  btf?: string;
  disable?: string[];
  only?: string[];
  attachTargets?: Record<string, string>;
  maxEntries?: Record<string, number>;
  valueSizes?: Record<string, number>;
  /** Map name (or `.bss`-like suffix) → bytes for the start of its initial value. */
  set?: Record<string, Uint8Array>;
  durationS?: number;
  /** Command run once everything is attached. */
  command?: string[];
}

/**
 * Loads `object` with libbpf, attaches its programs, triggers them and reports every map.
 * Call {@link oraclesUnavailable} first; needs root.
 *
 * @throws when the oracle fails to open the object (its stderr in the message).
 */
export function loadRun(object: string, options: LoadRunOptions = {}): LoadRunReport {
  const args = [object];
  if (options.btf !== undefined) args.push('--btf', options.btf);
  for (const p of options.disable ?? []) args.push('--disable', p);
  for (const p of options.only ?? []) args.push('--only', p);
  for (const [p, f] of Object.entries(options.attachTargets ?? {})) args.push('--attach-target', `${p}=${f}`);
  for (const [m, n] of Object.entries(options.maxEntries ?? {})) args.push('--max-entries', `${m}=${n}`);
  for (const [m, n] of Object.entries(options.valueSizes ?? {})) args.push('--value-size', `${m}=${n}`);
  for (const [m, b] of Object.entries(options.set ?? {})) args.push('--set', `${m}=${Buffer.from(b).toString('hex')}`);
  if (options.durationS !== undefined) args.push('--duration', String(options.durationS));
  if (options.command !== undefined) args.push('--', ...options.command);
  const out = execFileSync(join(ORACLE_DIR, 'bin', 'load-run'), args, {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as LoadRunReport;
}

/**
 * Mounts tracefs at /sys/kernel/tracing when nothing is mounted there (libbpf and tsbpf find
 * tracepoint IDs and create kprobes through it; a bare host or VM may not have it mounted).
 *
 * @returns why tracefs cannot be had, or `undefined` when it is there.
 */
export function tracefsUnavailable(): string | undefined {
  if (existsSync('/sys/kernel/tracing/events')) return undefined;
  const r = spawnSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { encoding: 'utf8' });
  return r.status === 0 && existsSync('/sys/kernel/tracing/events') ? undefined : `no tracefs: ${r.stderr.trim()}`;
}

/** What `object-info` prints: libbpf's view of an opened (not loaded) object. */
export interface ObjectInfoReport {
  object: string;
  /** libbpf's object name (the file name without `.o`/`.bpf.o`... as libbpf derives it). */
  name: string;
  /** The object's `version` section, or the running kernel's version when it has none (libbpf 1.1 fills it in). */
  kernelVersion: number;
  /** Entry-point programs (sub-programs in .text are not listed), in libbpf's order. */
  programs: { name: string; section: string; type: number; expectedAttachType: number; autoload: boolean; insns: number }[];
  /** Maps, the internal global-data ones included under libbpf's names (`<obj8>.rodata`...). */
  maps: {
    name: string;
    type: number;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    flags: number;
    numaNode: number;
    internal: boolean;
    initialValueSize: number | null;
  }[];
}

/**
 * libbpf's view of `object` once opened: programs and maps. Call {@link oraclesUnavailable} first.
 *
 * @throws when libbpf cannot open the object (the oracle's stderr in the message).
 */
export function objectInfo(object: string): ObjectInfoReport {
  const out = execFileSync(join(ORACLE_DIR, 'bin', 'object-info'), [object], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as ObjectInfoReport;
}
