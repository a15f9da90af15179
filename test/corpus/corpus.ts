/**
 * The corpus of BPF objects nobody here wrote: bcc's libbpf-tools and the kernel's CO-RE
 * selftests, compiled by scripts/build-bpf-objects.sh, with small readers the corpus tests share.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../fixtures.js';

/** test/fixtures/bpf/libbpf-tools: bcc's tools, their sources and objects. */
export const LIBBPF_TOOLS = join(FIXTURES, 'bpf', 'libbpf-tools');

/** One compiled corpus object. */
export interface CorpusObject {
  /** The tool's name (execsnoop). */
  name: string;
  path: string;
}

/** Every libbpf-tools object, sorted by name. */
export function libbpfTools(): CorpusObject[] {
  return readdirSync(LIBBPF_TOOLS)
    .filter((f) => f.endsWith('.bpf.o'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.bpf.o'.length), path: join(LIBBPF_TOOLS, f) }));
}

/** Reads an object file's bytes. */
export function readObject(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** test/fixtures/bpf/core-reloc: the kernel's CO-RE selftests (Linux 6.1.192). */
export const CORE_RELOC = join(FIXTURES, 'bpf', 'core-reloc');

/** One case of the kernel's core_reloc selftest, from core-reloc/cases.json. */
export interface CoreRelocCase {
  /** The selftest's case name ("nesting___anon_embed", "probed:bitfields"). */
  name: string;
  /** Program object, a file name in {@link CORE_RELOC}. */
  object: string;
  /** Object whose BTF is the target kernel BTF, a file name in {@link CORE_RELOC}. */
  btf: string;
  /** The program (function name) the case loads and attaches. */
  program: string;
  /** Raw tracepoint to attach to; null for a tp_btf program attached by its BTF target. */
  rawTracepoint: string | null;
  /** Whether loading must fail (a relocation with no valid target, an ambiguity...). */
  fails: boolean;
  /** Bytes for `data.in` before the run. */
  input: Uint8Array;
  /** Bytes expected at the start of `data.out` after one sys_enter. */
  output: Uint8Array;
}

/** The core_reloc cases and where `data.in`/`data.out` live in each program's `.bss`. */
export interface CoreRelocCases {
  source: string;
  data: { in: number; out: number; skip: number };
  cases: CoreRelocCase[];
}

/** Reads core-reloc/cases.json. */
export function coreRelocCases(): CoreRelocCases {
  const raw = JSON.parse(readFileSync(join(CORE_RELOC, 'cases.json'), 'utf8')) as {
    source: string;
    data: CoreRelocCases['data'];
    cases: (Omit<CoreRelocCase, 'input' | 'output'> & { input: string; output: string })[];
  };
  return {
    source: raw.source,
    data: raw.data,
    cases: raw.cases.map((c) => ({
      ...c,
      input: new Uint8Array(Buffer.from(c.input, 'hex')),
      output: new Uint8Array(Buffer.from(c.output, 'hex')),
    })),
  };
}
