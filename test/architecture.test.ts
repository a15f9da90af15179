/**
 * Imports point one way: cli → live objects (load, link, kernel) → sys, and anything may use the
 * pure folders (btf, elf, asm, obj, core, internal), which import nothing from sys, kernel, load,
 * link, io, cli or node. This test reads every import; a folder that does not exist yet passes.
 * docs/architecture.md describes the folders and the arrows.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from './fixtures.js';

const SRC = join(ROOT, 'src');
const PURE = ['internal', 'elf', 'btf', 'asm', 'obj', 'core', 'gen'];

/** What each folder may import, besides itself and src/errors.ts. */
const ALLOWED: Record<string, { folders: string[]; node: boolean; packages: string[] }> = {
  internal: { folders: [], node: false, packages: [] },
  elf: { folders: ['internal'], node: false, packages: [] },
  btf: { folders: ['internal', 'elf'], node: false, packages: [] },
  asm: { folders: ['internal'], node: false, packages: [] },
  obj: { folders: ['internal', 'elf', 'btf', 'asm'], node: false, packages: [] },
  core: { folders: ['internal', 'elf', 'btf', 'asm', 'obj'], node: false, packages: [] },
  gen: { folders: ['internal', 'elf', 'btf', 'asm', 'obj', 'core'], node: false, packages: [] },
  io: { folders: ['internal'], node: true, packages: [] },
  sys: { folders: ['internal'], node: true, packages: ['koffi'] },
  kernel: { folders: [...PURE, 'io', 'sys'], node: true, packages: [] },
  load: { folders: [...PURE, 'io', 'sys', 'kernel', 'link'], node: true, packages: [] },
  link: { folders: [...PURE, 'io', 'sys', 'kernel'], node: true, packages: [] },
  cli: { folders: [...PURE, 'io', 'sys', 'kernel', 'load', 'link'], node: true, packages: [] },
  // Package entries that add a live function to a pure folder's face (tsbpf/btf's openSpecFile).
  entry: { folders: [...PURE, 'io', 'kernel'], node: true, packages: [] },
};

/** Every TypeScript source below `dir`, CommonJS (`.cts`) and ES module (`.mts`) files included. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.[cm]?ts$/.test(p) ? [p] : [];
  });
}

describe('architecture: imports point one way', () => {
  test('every folder under src/ has a rule here', () => {
    for (const f of readdirSync(SRC)) {
      if (statSync(join(SRC, f)).isDirectory()) assert.ok(f in ALLOWED, `src/${f} is not in ALLOWED`);
    }
  });
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    test(`src/${folder} imports only ${[...allowed.folders, allowed.node ? 'node:*' : '', ...allowed.packages].filter(Boolean).join(', ') || 'itself'}`, () => {
      for (const file of files(join(SRC, folder))) {
        const text = readFileSync(file, 'utf8');
        const where = relative(ROOT, file);
        for (const m of text.matchAll(
          /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm,
        )) {
          const spec = (m[1] ?? m[2])!;
          if (spec.startsWith('node:')) {
            assert.ok(allowed.node, `${where} imports ${spec}`);
            continue;
          }
          if (!spec.startsWith('.')) {
            assert.ok(allowed.packages.includes(spec), `${where} imports package ${spec}`);
            continue;
          }
          const target = relative(SRC, resolve(dirname(file), spec));
          const top = target.split('/')[0]!;
          assert.ok(top === folder || target === 'errors.js' || allowed.folders.includes(top), `${where} imports ${spec}`);
        }
        if (PURE.includes(folder)) {
          assert.doesNotMatch(text, /\b(process|Buffer|require)\s*[.(]/, `${where} uses a Node global`);
        }
      }
    });
  }
});
