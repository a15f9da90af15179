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
