/**
 * The CLI validates at the format level: `btf dump` and `btf dedup` refuse a file that breaks a
 * format rule, naming the type and the kernel's wording, and take every file the kernel refuses
 * only at load time (extern linkage, sections of size 0, a resolve stack past 32), as a BPF
 * object's `.BTF` must still dump and dedup before a loader fixes it up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BTF_RULES } from '../../src/btf/index.js';
import { cli } from '../cli/run.js';
import { tempDir, tempFile } from '../fixtures.js';
import { CASES } from './validate-cases.js';

describe('btf dump and btf dedup validate at the format level', () => {
  for (const c of CASES) {
    const e = c.expect;
    const formatFault = e !== 'accepts' && e.level === 'format';
    test(`${c.what}: ${formatFault ? 'refused, naming the type and the rule' : 'dumped and deduplicated'}`, async () => {
      const file = tempFile('case.btf', c.make());
      const dump = await cli('btf', 'dump', 'file', file, 'format', 'raw');
      const dedup = await cli('btf', 'dedup', file, '-o', join(tempDir(), 'out.btf'));
      if (formatFault) {
        for (const r of [dump, dedup]) {
          assert.notEqual(r.code, 0);
          if (e.typeId !== undefined) assert.match(r.stderr, new RegExp(`type \\[${e.typeId}\\]`), r.stderr);
          const kernel = BTF_RULES[e.rule].kernel;
          if (kernel !== undefined) assert.ok(r.stderr.includes(`(kernel: "${kernel.replace(/N$/, '')}`), r.stderr);
        }
      } else {
        assert.equal(dump.code, 0, dump.stderr);
        assert.equal(dedup.code, 0, dedup.stderr);
      }
    });
  }
});
