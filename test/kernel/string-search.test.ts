/**
 * The raw string-section searches the name search starts with: every offset they report holds
 * the name (or a name of that essential part), and none is missed, checked against a plain
 * split of each section into its strings, on the committed kernels' vmlinux and modules and on
 * a section built to hold the edge cases of the `___flavour` rule.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSpec, loadSplitSpec } from '../../src/btf/spec.js';
import { essentialName } from '../../src/core/candidates.js';
import { essentialOffsets, needleOf, stringOffsets } from '../../src/kernel/string-search.js';
import { kernelFixtures } from '../fixtures.js';

/** Every string of a section with its offset (a string starts at 0 or after a NUL). */
function strings(section: Uint8Array): { offset: number; text: string }[] {
  const out: { offset: number; text: string }[] = [];
  const decoder = new TextDecoder();
  for (let at = 0; at < section.byteLength; ) {
    let end = section.indexOf(0, at);
    if (end < 0) end = section.byteLength;
    out.push({ offset: at, text: decoder.decode(section.subarray(at, end)) });
    at = end + 1;
  }
  return out;
}

const prefixOf = (name: string) => needleOf(name).subarray(0, -1);

function check(section: Uint8Array, names: readonly string[]): void {
  const all = strings(section);
  for (const name of names) {
    const want = all.filter((s) => s.text === name).map((s) => s.offset);
    assert.deepEqual(stringOffsets(section, needleOf(name)), want, `exactly ${name}`);
    const flavoured = all.filter((s) => s.text !== '' && essentialName(s.text) === name).map((s) => s.offset);
    assert.deepEqual(essentialOffsets(section, prefixOf(name)), flavoured, `essential ${name}`);
    assert.deepEqual(essentialOffsets(section, prefixOf(name), true), flavoured.slice(0, 1), `first of ${name}`);
  }
}

test('essential names: flavours, double separators, names inside other names, the first string', () => {
  const text = [
    'veth_rq',
    'veth_rq___v2',
    'veth_rq___a___b',
    'xveth_rq',
    'veth_rqx',
    'veth_rq____x',
    'veth_rq__',
    'veth_rq___',
    'a___b___c',
    'a___b',
    'a',
    'task_struct___old',
    'task_struct',
  ].join('\0');
  const section = new TextEncoder().encode(`${text}\0`);
  check(section, ['veth_rq', 'veth_rq___a', 'a___b', 'a', 'task_struct', 'veth_rq____x', 'nothing']);
  // A section without its final NUL: a name at its very end is not a whole string.
  assert.deepEqual(essentialOffsets(new TextEncoder().encode('\0abc'), prefixOf('abc')), []);
});

for (const k of kernelFixtures()) {
  describe(`string searches on ${k.release}`, () => {
    const vm = loadSpec(k.vmlinux, { name: 'vmlinux' });
    // Every name with a flavour separator the kernel has, and common names.
    const flavoured = strings(vm.strings.bytes)
      .map((s) => s.text)
      .filter((t) => essentialName(t) !== t)
      .map(essentialName);
    const names = [...new Set(flavoured)].slice(0, 20).concat(['task_struct', 'sk_buff', 'veth_rq', 'nf_conn', 'int', 'x']);

    test('vmlinux', () => {
      check(vm.strings.bytes, names);
    });

    test('modules', () => {
      for (const [m, bytes] of k.modules) check(loadSplitSpec(bytes, vm, { name: m }).strings.bytes, names);
    });
  });
}
