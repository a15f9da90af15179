/**
 * One smallest blob per rule of the kernel's BTF verifier: validation refuses it at the rule's
 * level (format or loadable) naming the type and the rule, and, as root, the running kernel's
 * BPF_BTF_LOAD refuses it too, its log ending with the line recorded here (Linux 6.18). Blobs the
 * kernel takes are taken at both levels. Rules that changed between kernels are checked against
 * the rules of the older kernel (Linux 6.1's kernel/bpf/btf.c) without a kernel.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, test } from 'node:test';
import {
  BTF_RULES,
  type BtfRuleId,
  btfKernelRules,
  btfSectionOf,
  Kind,
  loadabilityFaults,
  loadSpec,
  validateLoadable,
} from '../../src/btf/index.js';
import { BtfRuleError } from '../../src/errors.js';
import { FIXTURES } from '../fixtures.js';
import { kernelVerdict, kernelVerdictSkip } from './kernel-verdict.js';
import { info, patchWord } from './validate-blobs.js';
import { built, CASES } from './validate-cases.js';

/** Our verdict (for the newest known kernel, or `kernel`): the first refusal, or 'accepts'. */
function ours(bytes: Uint8Array, kernel?: string): BtfRuleError | 'accepts' {
  try {
    validateLoadable(loadSpec(bytes), kernel === undefined ? {} : { kernel });
    return 'accepts';
  } catch (err) {
    assert.ok(err instanceof BtfRuleError, String(err));
    return err;
  }
}

describe('every rule of the kernel BTF verifier, each broken by the smallest blob', () => {
  for (const c of CASES) {
    const e = c.expect;
    const label = e === 'accepts' ? 'both levels take it' : `${e.level} refuses it (${e.rule})`;
    test(`${c.what}: ${label}`, () => {
      const got = ours(c.make());
      if (e === 'accepts') {
        assert.equal(got, 'accepts', got === 'accepts' ? '' : got.message);
        return;
      }
      assert.ok(got !== 'accepts', 'accepted');
      assert.equal(got.rule, e.rule, got.message);
      assert.equal(got.level, e.level, got.message);
      assert.equal(got.level, BTF_RULES[e.rule].level);
      assert.equal(got.typeId, e.typeId, got.message);
      if (e.typeId !== undefined) assert.match(got.message, new RegExp(`^type \\[${e.typeId}\\]`));
      // A format fault is found by the format level alone; a load-time one is not.
      const formatVerdict = (() => {
        try {
          loadSpec(c.make()).validate();
          return 'valid';
        } catch (err) {
          return err instanceof BtfRuleError ? err.rule : String(err);
        }
      })();
      assert.equal(formatVerdict, e.level === 'format' ? e.rule : 'valid');
    });
  }

  test('the running kernel refuses each blob with the recorded log line, and takes the others', {
    skip: kernelVerdictSkip(),
  }, () => {
    const wrong: string[] = [];
    const here = release();
    for (const c of CASES) {
      const k = kernelVerdict(c.make());
      // Recorded on Linux 6.18; a newer kernel takes what its rules (btfKernelRules) take.
      if (c.expect !== 'accepts' && ours(c.make(), here) === 'accepts') {
        if (k !== 'accepts') wrong.push(`${c.what}: kernel ${here} says ${JSON.stringify(k)}, tsbpf for ${here} accepts`);
        continue;
      }
      // An older kernel refuses what its rules refuse.
      const older = c.expect === 'accepts' ? ours(c.make(), here) : 'accepts';
      if (older !== 'accepts') {
        const named = /^\[(\d+)\]/.exec(k);
        const word = BTF_RULES[older.rule as BtfRuleId].kernel ?? '';
        if (k === 'accepts' || !k.endsWith(word) || Number(named?.[1]) !== older.typeId)
          wrong.push(`${c.what}: kernel ${here} says ${JSON.stringify(k)}, tsbpf for ${here}: ${older.message}`);
        continue;
      }
      const want = c.expect === 'accepts' ? 'accepts' : c.expect.kernel;
      if (want === 'accepts' ? k !== 'accepts' : !k.endsWith(want))
        wrong.push(`${c.what}: kernel says ${JSON.stringify(k)}, recorded ${JSON.stringify(want)}`);
      // Where the kernel's line names a type, it is the one tsbpf names.
      const named = /^\[(\d+)\]/.exec(k);
      if (named && c.expect !== 'accepts' && Number(named[1]) !== c.expect.typeId)
        wrong.push(`${c.what}: kernel names [${named[1]}], recorded [${c.expect.typeId}]`);
    }
    assert.deepEqual(wrong, []);
  });
});

describe('rules that changed between kernels', () => {
  const on = (release: string, make: () => Uint8Array) => {
    try {
      validateLoadable(loadSpec(make()), { kernel: release });
      return 'accepts';
    } catch (err) {
      assert.ok(err instanceof BtfRuleError, String(err));
      return `${err.level} ${err.rule} [${err.typeId}]`;
    }
  };
  const tagKflag = () =>
    patchWord(built((b, int) => void b.addDeclTag('t', b.addTypedef('td', int)))(), 3, 1, info(Kind.DeclTag, 0, true));
  const printable = built(
    (b, int) => void b.addDatasec('.data x', 4, [{ typeId: b.addVar('v', int, 'global'), offset: 0, size: 4 }]),
  );
  const enum64 = built((b) => void b.addEnum64('e', 8, [{ name: 'A', value: 1 }]));
  const signed = built((b) => void b.addEnum('e', 4, [{ name: 'A', value: -1 }], true));

  test('kind_flag on tags: refused before 6.15 (6.1 logs "Invalid btf_info kind_flag"), taken since', () => {
    assert.equal(on('6.1.0-18-amd64', tagKflag), 'loadable kind-flag-unsupported [3]');
    assert.equal(on('6.14', tagKflag), 'loadable kind-flag-unsupported [3]');
    assert.equal(on('6.15.0', tagKflag), 'accepts');
  });
  test('DATASEC names: identifiers only before 6.4 (6.1 logs "Invalid name"), printable ASCII since', () => {
    assert.equal(on('6.1.0', printable), 'loadable section-name-identifier [3]');
    assert.equal(on('6.4', printable), 'accepts');
  });
  test('ENUM64 and signed ENUMs: refused before 6.0 ("Invalid kind", "Invalid btf_info kind_flag")', () => {
    assert.equal(on('5.15', enum64), 'loadable kind-unsupported [2]');
    assert.equal(on('5.15', signed), 'loadable kind-flag-unsupported [2]');
    assert.equal(on('6.0', enum64), 'accepts');
    assert.equal(on('6.0', signed), 'accepts');
  });
  test('type tags after other modifiers: refused before 7.2 ("Type tags don\'t precede modifiers"), taken since', () => {
    const tagUnderTypedef = built((b, int) => void b.addTypedef('td', b.addTypeTag('tag', int)));
    assert.equal(on('6.18', tagUnderTypedef), 'loadable type-tag-order [3]');
    assert.equal(on('7.2.13+deb14-amd64', tagUnderTypedef), 'accepts');
  });
  test('the default is the newest known kernel, and its rules are data', () => {
    assert.equal(on('6.18', tagKflag), 'accepts');
    const rules = btfKernelRules('6.1');
    assert.equal(rules.tagKindFlag, false);
    assert.equal(rules.printableSectionNames, false);
    assert.equal(rules.kinds.has(Kind.Enum64), true);
  });
  test('every fault is listed for a loader to rewrite, in ID order', () => {
    const bytes = built((b, int) => {
      const v = b.addVar('v', int, 'extern');
      const f = b.addFunc('f', b.addFuncProto(int, [{ name: '', typeId: int }]), 'extern');
      b.addDatasec('.ksyms', 0, [
        { typeId: v, offset: 0, size: 4 },
        { typeId: f, offset: 0, size: 0 },
      ]);
    })();
    const faults = loadabilityFaults(loadSpec(bytes)).map((f) => `${f.rule} [${f.typeId}]`);
    assert.deepEqual(faults, ['var-extern [2]', 'func-extern [4]', 'datasec-size-zero [5]']);
  });
});

describe('real objects: the format level takes every file, the loadable level what the kernel takes', () => {
  const objects = ['bpf/kinds.bpf.o', 'bpf/obj/externs.bpf.o', 'bpf/obj/globals.bpf.o', 'bpf/obj/maps.bpfeb.o'];
  for (const rel of objects) {
    const path = `${FIXTURES}/${rel}`;
    test(`${rel}: format-valid; refused at the loadable level only for what a loader rewrites`, {
      skip: existsSync(path) ? false : 'fixture missing',
    }, () => {
      const btf = btfSectionOf(readFileSync(path))!.slice();
      const spec = loadSpec(btf);
      spec.validate();
      const faults = loadabilityFaults(spec);
      assert.ok(faults.length > 0);
      for (const f of faults) {
        assert.ok(
          ['datasec-size-zero', 'var-extern', 'func-extern', 'datasec-func', 'func-arg-name', 'byte-order'].includes(f.rule),
          f.message,
        );
      }
    });
  }
});
