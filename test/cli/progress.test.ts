/**
 * The status line of long commands: drawn only where a terminal shows it (never with -j/-p),
 * throttled, cleared before the command's output; and through a real pseudo-terminal, the
 * escape codes appear there and nowhere else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/app.js';
import { progress, REDRAW_MS } from '../../src/cli/progress.js';
import { have, kernelFixtures, ROOT, tempDir } from '../fixtures.js';
import { kernelDir } from '../kernel/support.js';

/** Runs the CLI in-process with a terminal's status line, recording every status and output in order. */
async function withStatus(...argv: string[]): Promise<{ code: number; events: string[] }> {
  const events: string[] = [];
  const code = await runCli(argv, {
    out: (c) => events.push(`out:${typeof c === 'string' ? c.length : c.byteLength}`),
    err: (l) => events.push(`err:${l}`),
    status: (t) => events.push(`status:${t}`),
  });
  return { code, events };
}

const k = kernelFixtures()[0];

describe('progress', () => {
  test('silent without a terminal or with -j; phases at once, counts at most every 100 ms and at the end', () => {
    const seen: string[] = [];
    const io = { out() {}, err() {}, status: (t: string) => seen.push(t) };
    for (const p of [progress({ out() {}, err() {} }, { json: false }), progress(io, { json: true })]) {
      assert.equal(p.shown, false);
      p.phase('x');
      p.count('y', 1, 2);
      p.clear();
    }
    assert.deepEqual(seen, []);
    let t = 0;
    const p = progress(io, { json: false }, () => t);
    p.clear();
    assert.deepEqual(seen, [], 'nothing to clear');
    p.phase('reading');
    for (let i = 1; i <= 10; i++) {
      t += REDRAW_MS / 4;
      p.count('read', i, 10);
    }
    p.clear();
    // 10 steps over 2.5 redraw periods: steps 4 and 8 (100 ms apart), and the last.
    assert.deepEqual(seen, ['reading', 'read 4/10', 'read 8/10', 'read 10/10', '']);
  });

  test('btf merge and dedup show their work on a terminal, cleared before they print, and not with -j', {
    skip: k ? false : 'no kernel fixtures',
  }, async () => {
    const dir = kernelDir(k!);
    const out = join(tempDir(), `progress-merge-${process.pid}.btf`);
    const merge = await withStatus('btf', 'merge', dir, '-o', out);
    assert.equal(merge.code, 0);
    const statuses = merge.events.filter((e) => e.startsWith('status:'));
    assert.ok(statuses.includes(`status:merge: read modules ${k!.modules.size}/${k!.modules.size}`), statuses.join());
    assert.ok(
      statuses.some((s) => /^status:merge: deduplicating \d+ modules' types$/.test(s)),
      statuses.join(),
    );
    // The line is cleared before the summary is printed.
    const firstOut = merge.events.findIndex((e) => e.startsWith('out:'));
    assert.equal(merge.events[firstOut - 1], 'status:');
    rmSync(out);
    const json = await withStatus('-j', 'btf', 'merge', dir, '-o', out);
    assert.equal(json.code, 0);
    assert.deepEqual(
      json.events.filter((e) => e.startsWith('status:')),
      [],
    );
    const dedup = await withStatus('btf', 'dedup', join(dir, 'vmlinux'), '-o', '-');
    assert.equal(dedup.code, 0);
    assert.match(dedup.events[0]!, /^status:dedup: deduplicating \d+ types$/);
    assert.equal(dedup.events[1], 'status:');
  });

  test('core explain: phases while the target is read, counts between explanations, each printed on a cleared line', {
    skip: k ? false : 'no kernel fixtures',
  }, async () => {
    const object = join(ROOT, 'test/fixtures/bpf/obj/core.bpf.o');
    const r = await withStatus('core', 'explain', object, '--btf-dir', kernelDir(k!));
    assert.equal(r.code, 0, r.events.join('\n'));
    assert.deepEqual(r.events.slice(0, 2), ['status:explain: reading the target BTF', 'status:explain: deciding 23 relocations']);
    let showing = false;
    for (const e of r.events) {
      if (e.startsWith('status:')) showing = e !== 'status:';
      else assert.equal(showing, false, `${e} printed over the status line`);
    }
    assert.equal(showing, false, 'cleared at the end');
    assert.ok(r.events.includes('status:explain: decided relocations 23/23'));
    const json = await withStatus('-j', 'core', 'explain', object, '--btf-dir', kernelDir(k!));
    assert.deepEqual(
      json.events.filter((e) => e.startsWith('status:')),
      [],
    );
  });

  test('through a pseudo-terminal the line is drawn and erased; into a pipe there is none', {
    skip: !have('script')
      ? 'needs script (util-linux)'
      : !existsSync(join(ROOT, 'dist/cli/main.js'))
        ? 'needs npm run build'
        : false,
  }, () => {
    const input = join(ROOT, 'test/fixtures/bpf/kinds.bpf.o');
    const cmd = (extra: string) =>
      `${process.execPath} ${join(ROOT, 'dist/cli/main.js')} ${extra} btf dedup ${input} -o /dev/null`;
    const tty = spawnSync('script', ['-qec', cmd(''), '/dev/null'], { encoding: 'utf8' });
    assert.equal(tty.status, 0, tty.stderr);
    // Carriage return and erase-line (ESC [ K) before the status, and again to clear it.
    const clear = '\r\u001b[K';
    assert.match(tty.stdout.split(clear).join('<clear>'), /<clear>dedup: deduplicating \d+ types<clear>/);
    const ttyJson = spawnSync('script', ['-qec', cmd('-j'), '/dev/null'], { encoding: 'utf8' });
    assert.equal(ttyJson.status, 0);
    assert.ok(!ttyJson.stdout.includes('\u001b'), ttyJson.stdout);
    const piped = spawnSync('sh', ['-c', cmd('')], { encoding: 'utf8' });
    assert.equal(piped.status, 0);
    assert.ok(!(piped.stderr + piped.stdout).includes('\u001b'));
    assert.ok(!piped.stderr.includes('deduplicating'));
  });
});
