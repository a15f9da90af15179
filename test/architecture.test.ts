/**
 * Imports point one way: cli → kernel → sys, and anything may use the pure folders (btf, elf,
 * internal), which import nothing from sys, kernel or node. This test reads every import.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from './fixtures.js';

const SRC = join(ROOT, 'src');
const PURE = ['btf', 'elf', 'internal'];

/** What each folder may import, besides itself and src/errors.ts. */
const ALLOWED: Record<string, { folders: string[]; node: boolean; packages: string[] }> = {
  internal: { folders: [], node: false, packages: [] },
  elf: { folders: ['internal'], node: false, packages: [] },
  btf: { folders: ['internal', 'elf'], node: false, packages: [] },
  sys: { folders: ['internal'], node: true, packages: ['koffi'] },
  kernel: { folders: ['internal', 'elf', 'btf', 'sys'], node: true, packages: [] },
  cli: { folders: ['internal', 'elf', 'btf', 'sys', 'kernel'], node: true, packages: [] },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture: imports point one way', () => {
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
