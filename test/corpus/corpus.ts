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
