/**
 * Shared helpers for the ELF tests: locating the repository, compiling the C fixtures with the
 * host's clang, and reading `llvm-readelf`'s LLVM-style output as the oracle.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the nearest folder above this file holding package.json). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
})();

/** Path of a C fixture in test/elf/c. */
export function fixtureSource(name: string): string {
  return join(repoRoot, 'test', 'elf', 'c', name);
}

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Why the tests that need clang and llvm-readelf must skip, or `undefined` if both exist. */
export const toolsMissing: string | undefined = (() => {
  if (!runs('clang', ['--version'])) return 'clang not found on PATH';
  if (!runs('llvm-readelf', ['--version'])) return 'llvm-readelf not found on PATH';
  return undefined;
})();

let workDir: string | undefined;

/** A temporary folder for this test process, removed at exit. */
export function tempDir(): string {
  if (workDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-elf-'));
    workDir = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

const compiled = new Map<string, string>();

/**
 * Compiles `source` (a path) with `clang <args> -c` into the temp folder and returns the
 * object's path. Results are cached per argument list.
 */
export function compile(source: string, args: string[], outName: string): string {
  const key = `${source}\0${args.join('\0')}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  const out = join(tempDir(), outName);
  const r = spawnSync('clang', [...args, '-c', source, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang ${args.join(' ')} ${source} failed:\n${r.stderr}`);
  compiled.set(key, out);
  return out;
}

/** The objects every comparison test runs on: name → path. */
export function fixtureObjects(): Map<string, string> {
  const prog = fixtureSource('prog.bpf.c');
  const tiny = fixtureSource('tiny.c');
  return new Map([
    ['bpf (little-endian)', compile(prog, ['-target', 'bpf', '-g', '-O2'], 'prog-bpfel.o')],
    ['bpfeb (big-endian)', compile(prog, ['-target', 'bpfeb', '-g', '-O2'], 'prog-bpfeb.o')],
    ['x86-64 object (RELA)', compile(tiny, ['-target', 'x86_64-linux-gnu', '-g', '-O2'], 'tiny-x86_64.o')],
    ['i386 object (ELF32)', compile(tiny, ['-target', 'i386-linux-gnu', '-g', '-O2'], 'tiny-i386.o')],
  ]);
}

/** Reads a file into a `Uint8Array` (a Node `Buffer`, which may sit at an offset in a pool). */
export function readBytes(path: string): Uint8Array {
  return readFileSync(path);
}

function readelf(path: string, args: string[]): string {
  const r = spawnSync('llvm-readelf', ['--elf-output-style=LLVM', ...args, path], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`llvm-readelf ${args.join(' ')} ${path} failed:\n${r.stderr}`);
  return r.stdout;
}

/** A section as llvm-readelf reports it. */
export interface OracleSection {
  index: number;
  name: string;
  nameOffset: number;
  type: number;
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

/** A symbol as llvm-readelf reports it. */
export interface OracleSymbol {
  name: string;
  nameOffset: number;
  value: bigint;
  size: number;
  bind: number;
  type: number;
  other: number;
  shndx: number;
}

/** A relocation as llvm-readelf reports it, with the index of its relocation section. */
export interface OracleRelocation {
  section: number;
  offset: bigint;
  type: number;
  symbol: number;
  /** As printed: the 64-bit two's complement pattern; `undefined` for SHT_REL. */
  addend: bigint | undefined;
}

/** `Name: text (123)` → ['text', 123]; `Type: X (0x1F)` → 0x1f. */
function nameAndNumber(value: string): [string, number] {
  const m = /^(.*) \((0x[0-9A-Fa-f]+|\d+)\)$/.exec(value);
  if (m === null) throw new Error(`unexpected llvm-readelf value: ${value}`);
  return [m[1] as string, Number(m[2])];
}

/** Splits LLVM-style output into the key/value maps of every `<opener> {` block. */
function blocks(text: string, opener: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  let cur: Map<string, string> | undefined;
  let listKey: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === `${opener} {`) {
      cur = new Map();
      out.push(cur);
      continue;
    }
    if (cur === undefined) continue;
    if (listKey !== undefined) {
      if (line === ']') listKey = undefined;
      continue;
    }
    const list = /^(\w+) \[ \((0x[0-9A-Fa-f]+)\)$/.exec(line);
    if (list !== null) {
      cur.set(list[1] as string, list[2] as string);
      listKey = list[1];
      continue;
    }
    if (line === '}') {
      cur = undefined;
      continue;
    }
    const kv = /^(\w+): ?(.*)$/.exec(line);
    if (kv !== null) cur.set(kv[1] as string, kv[2] as string);
  }
  return out;
}

function field(b: Map<string, string>, key: string): string {
  const v = b.get(key);
  if (v === undefined) throw new Error(`llvm-readelf block lacks ${key}`);
  return v;
}

/** The section table as llvm-readelf reports it. */
export function oracleSections(path: string): OracleSection[] {
  return blocks(readelf(path, ['-S']), 'Section').map((b) => {
    const [name, nameOffset] = nameAndNumber(field(b, 'Name'));
    return {
      index: Number(field(b, 'Index')),
      name,
      nameOffset,
      type: nameAndNumber(field(b, 'Type'))[1],
      flags: Number(field(b, 'Flags')),
      addr: BigInt(field(b, 'Address')),
      offset: Number(field(b, 'Offset')),
      size: Number(field(b, 'Size')),
      link: Number(field(b, 'Link')),
      info: Number(field(b, 'Info')),
      addralign: Number(field(b, 'AddressAlignment')),
      entsize: Number(field(b, 'EntrySize')),
    };
  });
}

/** The `.symtab` symbols as llvm-readelf reports them. */
export function oracleSymbols(path: string): OracleSymbol[] {
  return blocks(readelf(path, ['--symbols']), 'Symbol').map((b) => {
    const [name, nameOffset] = nameAndNumber(field(b, 'Name'));
    return {
      name,
      nameOffset,
      value: BigInt(field(b, 'Value')),
      size: Number(field(b, 'Size')),
      bind: nameAndNumber(field(b, 'Binding'))[1],
      type: nameAndNumber(field(b, 'Type'))[1],
      other: Number(field(b, 'Other')),
      shndx: nameAndNumber(field(b, 'Section'))[1],
    };
  });
}

/** Every relocation of every relocation section, as llvm-readelf reports them. */
export function oracleRelocations(path: string): OracleRelocation[] {
  const out: OracleRelocation[] = [];
  let section = -1;
  let cur: Partial<OracleRelocation> | undefined;
  for (const raw of readelf(path, ['--relocations', '--expand-relocs']).split('\n')) {
    const line = raw.trim();
    const head = /^Section \((\d+)\) .* \{$/.exec(line);
    if (head !== null) {
      section = Number(head[1]);
    } else if (line === 'Relocation {') {
      cur = { section, addend: undefined };
    } else if (line === '}' && cur !== undefined) {
      out.push(cur as OracleRelocation);
      cur = undefined;
    } else if (cur !== undefined) {
      const kv = /^(\w+): (.*)$/.exec(line);
      if (kv === null) continue;
      const value = kv[2] as string;
      if (kv[1] === 'Offset') cur.offset = BigInt(value);
      else if (kv[1] === 'Type') cur.type = nameAndNumber(value)[1];
      else if (kv[1] === 'Symbol') cur.symbol = nameAndNumber(value)[1];
      else if (kv[1] === 'Addend') cur.addend = BigInt(value);
    }
  }
  return out;
}

/**
 * Native ELF files found on the machine for x86-64 little-endian comparisons: /bin/ls, and the
 * smallest few separate-debug files under /usr/lib/debug (they keep full symbol tables).
 */
export function hostElfFiles(): string[] {
  const found: string[] = [];
  for (const p of ['/bin/ls', '/usr/bin/ls']) {
    if (existsSync(p)) {
      found.push(p);
      break;
    }
  }
  const debug: Array<[string, number]> = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4 || debug.length > 200) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, depth + 1);
      else if (n.endsWith('.debug') && st.size < 8 << 20) debug.push([p, st.size]);
    }
  };
  walk('/usr/lib/debug', 0);
  debug.sort((a, b) => b[1] - a[1]);
  for (const [p] of debug.slice(0, 2)) found.push(p);
  return found;
}
