/**
 * The kernel's own BTF verifier cases (`raw_tests[]` of tools/testing/selftests/bpf/prog_tests/btf.c,
 * Linux 6.1, converted by scripts/btf-selftests.sh into test/fixtures/btf-selftests/raw-tests.json)
 * run through both validation levels. The running kernel's BPF_BTF_LOAD is the oracle: tsbpf
 * refuses every case it refuses (at the format or the loadable level, naming the type the
 * kernel's log names) and refuses none it loads. Without the kernel, the rules of Linux 6.1 are
 * held to what the selftest expects of 6.1.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSpec, validateLoadable } from '../../src/btf/index.js';
import { BtfRuleError } from '../../src/errors.js';
import { FIXTURES } from '../fixtures.js';
import { kernelVerdict, kernelVerdictSkip } from './kernel-verdict.js';

/** One case as the converter writes it. */
interface RawCase {
  number: number;
  descr: string;
  /** The type section's words, names already string offsets. */
  types: number[];
  /** The string section, one character per byte. */
  strings: string;
  hdr_len_delta: number;
  type_off_delta: number;
  str_off_delta: number;
  str_len_delta: number;
  /** Whether the selftest expects Linux 6.1's BPF_BTF_LOAD to refuse it. */
  btf_load_err: boolean;
  /** Text the selftest expects in the kernel's log. */
  err_str: string | null;
  map_create_err: boolean;
  names_resolved: boolean;
}

const FIXTURE = join(FIXTURES, 'btf-selftests', 'raw-tests.json');
const SUITE = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { kernel: string; cases: RawCase[] };

/** The blob the selftest loads: a 24-byte header, the types, the strings, then the header deltas. */
export function blobOf(c: RawCase): Uint8Array {
  const typeLen = c.types.length * 4;
  const out = new Uint8Array(24 + typeLen + c.strings.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, 24 + c.hdr_len_delta, true);
  v.setUint32(8, c.type_off_delta, true);
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen + c.str_off_delta, true);
  v.setUint32(20, c.strings.length + c.str_len_delta, true);
  c.types.forEach((w, i) => void v.setUint32(24 + i * 4, w, true));
  for (let i = 0; i < c.strings.length; i++) out[24 + typeLen + i] = c.strings.charCodeAt(i);
  return out;
}

/** tsbpf's verdict for `kernel`'s rules: 'accepts', or the refusal. */
function ours(bytes: Uint8Array, kernel: string): 'accepts' | BtfRuleError {
  try {
    validateLoadable(loadSpec(bytes), { kernel });
    return 'accepts';
  } catch (err) {
    if (err instanceof BtfRuleError) return err;
    throw err;
  }
}

const label = (c: RawCase) => `#${c.number} ${JSON.stringify(c.descr)}`;
const said = (v: 'accepts' | BtfRuleError) => (v === 'accepts' ? 'accepts' : `${v.level} ${v.rule} [${v.typeId}]: ${v.message}`);

describe(`the kernel's BTF verifier selftests (${SUITE.cases.length} raw cases of Linux ${SUITE.kernel})`, () => {
  test('the converter resolved every name of every case', () => {
    assert.ok(SUITE.cases.length > 150, `${SUITE.cases.length} cases`);
    assert.deepEqual(SUITE.cases.filter((c) => !c.names_resolved).map(label), []);
  });

  test(`the running kernel (${release()}) is the oracle: tsbpf refuses what it refuses, naming its type, and nothing else`, {
    skip: kernelVerdictSkip(),
  }, (t) => {
    const wrong: string[] = [];
    let refused = 0;
    for (const c of SUITE.cases) {
      const bytes = blobOf(c);
      const k = kernelVerdict(bytes);
      const o = ours(bytes, release());
      if (k === 'accepts') {
        if (o !== 'accepts') wrong.push(`${label(c)}: kernel accepts, tsbpf ${said(o)}`);
        continue;
      }
      refused++;
      if (o === 'accepts') {
        wrong.push(`${label(c)}: kernel refuses (${k}), tsbpf accepts`);
        continue;
      }
      const named = /^\[(\d+)\]/.exec(k);
      if (named && Number(named[1]) !== o.typeId) {
        wrong.push(`${label(c)}: kernel names [${named[1]}] (${k}), tsbpf ${said(o)}`);
      }
    }
    t.diagnostic(`${SUITE.cases.length - wrong.length} of ${SUITE.cases.length} cases match (${refused} refused by the kernel)`);
    assert.deepEqual(wrong, []);
  });

  test("with Linux 6.1's rules, tsbpf refuses exactly what the selftest expects 6.1 to refuse", (t) => {
    const wrong: string[] = [];
    for (const c of SUITE.cases) {
      const o = ours(blobOf(c), '6.1');
      if ((o !== 'accepts') !== c.btf_load_err) {
        wrong.push(`${label(c)}: 6.1 ${c.btf_load_err ? `refuses (${c.err_str})` : 'accepts'}, tsbpf ${said(o)}`);
      }
    }
    t.diagnostic(`${SUITE.cases.length - wrong.length} of ${SUITE.cases.length} cases match`);
    assert.deepEqual(wrong, []);
  });
});
