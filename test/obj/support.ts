/** The obj fixtures: clang-compiled objects (both byte orders) from test/fixtures/bpf/obj/*.bpf.c. */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, have, readFixture } from '../fixtures.js';

/** The fixture folder. */
export const OBJ_FIXTURES = join(FIXTURES, 'bpf', 'obj');

/** One fixture program compiled for both byte orders. */
export interface ObjFixture {
  /** Base name, e.g. `calls`. */
  name: string;
  /** Path of the little-endian object. */
  el: string;
  /** Path of the big-endian object. */
  eb: string;
}

/** Every fixture with both objects. */
export function objFixtures(): ObjFixture[] {
  return readdirSync(OBJ_FIXTURES)
    .filter((f) => f.endsWith('.bpf.c'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.bpf.c'.length);
      return { name, el: join(OBJ_FIXTURES, `${name}.bpf.o`), eb: join(OBJ_FIXTURES, `${name}.bpfeb.o`) };
    });
}

/** The bytes of fixture `name` (`calls`), little-endian unless `eb`. */
export function objBytes(name: string, eb = false): Uint8Array {
  return readFixture(join(OBJ_FIXTURES, `${name}.${eb ? 'bpfeb' : 'bpf'}.o`));
}

/** Why llvm-objdump comparisons cannot run, or undefined. */
export function objdumpMissing(): string | undefined {
  return have('llvm-objdump') ? undefined : 'llvm-objdump is not installed (apt-get install llvm)';
}

/** One line of `llvm-objdump -d`: section, byte offset, raw bytes, text. */
export interface ObjdumpLine {
  section: string;
  offset: number;
  bytes: number[];
  text: string;
}

/** `llvm-objdump -d` of a file, line by line. */
export function objdump(path: string): ObjdumpLine[] {
  const out = execFileSync('llvm-objdump', ['-d', path], { encoding: 'utf8' });
  const lines: ObjdumpLine[] = [];
  let section = '';
  for (const line of out.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} ?)+)\t(.*)$/.exec(line);
    if (!m) continue;
    lines.push({
      section,
      offset: Number.parseInt(m[1]!, 10) * 8,
      bytes: m[2]!
        .trim()
        .split(' ')
        .map((h) => Number.parseInt(h, 16)),
      text: m[3]!.trim(),
    });
  }
  return lines;
}
