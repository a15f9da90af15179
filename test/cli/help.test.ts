/**
 * Every command's --help: found through the help of tsbpf and of each object (so a command added
 * to a table is covered without touching this test), each shows one usage line per form.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cli } from './run.js';

/** The names listed under `heading` in a help text (`  name  summary` lines). */
function listed(text: string, heading: string): string[] {
  const block = text.split(`${heading}\n`)[1];
  assert.ok(block !== undefined, `help lists ${heading}`);
  const names: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^ {2}(\S+) /.exec(line);
    if (!m) break;
    names.push(m[1]!);
  }
  return names;
}

/** `tsbpf OBJ CMD` or `tsbpf CMD` for every command the helps list. */
async function everyCommand(): Promise<string[][]> {
  const top = await cli('--help');
  assert.equal(top.code, 0);
  const paths: string[][] = [];
  for (const object of listed(top.stdout, 'Objects:')) {
    const group = await cli(object, '--help');
    assert.equal(group.code, 0, object);
    if (!group.stdout.includes('\nCommands:\n')) {
      paths.push([object]);
      continue;
    }
    for (const command of listed(group.stdout, 'Commands:')) paths.push([object, command]);
  }
  return paths;
}

describe('--help of every command', () => {
  test('shows one usage line per form, each naming the command, and explains every option it shows', async () => {
    const paths = await everyCommand();
    // The three objects and two standalone commands, with all of their commands.
    for (const want of [
      ['btf', 'dump'],
      ['btf', 'list'],
      ['btf', 'show'],
      ['btf', 'merge'],
      ['gen', 'skeleton'],
      ['load'],
      ['trace'],
    ]) {
      assert.ok(
        paths.some((p) => p.join(' ') === want.join(' ')),
        `${want.join(' ')} is listed`,
      );
    }
    for (const path of paths) {
      const name = path.join(' ');
      const r = await cli(...path, '--help');
      assert.equal(r.code, 0, name);
      assert.equal(r.stderr, '', name);
      const usage = r.stdout.split('\n\n')[0]!.split('\n');
      assert.match(usage[0]!, /^Usage: tsbpf /, name);
      const forms: string[] = [];
      for (const [i, line] of usage.entries()) {
        // A grammar rule (SOURCE := ...) names a placeholder of the forms above it.
        if (/^[A-Z_]+ := /.test(line)) continue;
        const m = /^(?:Usage: | {7})(tsbpf .*)$/.exec(line);
        assert.ok(m, `${name}: usage line ${i + 1} is a whole form, not a continuation: '${line}'`);
        // The command's words, after global options placed before them (-B VMLINUX).
        const words = m[1]!.replace(/ -[A-Za-z] [A-Z]+/g, '').split(' ');
        // A word may offer aliases, as bpftool's {show|list}.
        const named = words
          .slice(1, 1 + path.length)
          .map((w, j) => (/^\{.*\}$/.test(w) && w.slice(1, -1).split('|').includes(path[j]!) ? path[j] : w));
        assert.deepEqual(named, path, `${name}: '${line}' is a form of the command`);
        forms.push(m[1]!.replace(/\s+/g, ' '));
      }
      assert.equal(new Set(forms).size, forms.length, `${name}: no form is shown twice`);
      // Every option a form shows is explained further down.
      const body = r.stdout.slice(usage.join('\n').length);
      for (const form of forms) {
        for (const opt of form.match(/(?<=[[ |])--?[a-z][a-z-]*/g) ?? []) {
          assert.ok(new RegExp(`(^|[\\s,'])${opt}\\b`).test(body), `${name}: option ${opt} of '${form}' is explained`);
        }
      }
    }
  });

  test('the same help whether the command is named in full or abbreviated', async () => {
    assert.equal((await cli('btf', 'l', '--help')).stdout, (await cli('btf', 'list', '--help')).stdout);
    assert.equal((await cli('g', 'sk', '--help')).stdout, (await cli('gen', 'skeleton', '--help')).stdout);
  });
});
