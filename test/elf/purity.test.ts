import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support.js';

describe('src/elf stays pure', () => {
  it('imports only its own files and ../errors.js', () => {
    const dir = join(repoRoot, 'src', 'elf');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] as string;
        assert.ok(/^\.\/[a-z0-9-]+\.js$/.test(spec) || spec === '../errors.js', `src/elf/${f} imports ${spec}`);
      }
      assert.doesNotMatch(text, /\bimport\s*\(/, `src/elf/${f} has a dynamic import`);
      assert.doesNotMatch(text, /\b(process|Buffer|require)\b\s*[.(]/, `src/elf/${f} uses a Node global`);
    }
  });
});
