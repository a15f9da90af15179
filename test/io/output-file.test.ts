/**
 * Outputs never destroy what is at the path by accident: regular files are replaced atomically
 * keeping mode and owner, devices and FIFOs are written straight through (or refused), a pair
 * appears together or not at all, and a signal during a write leaves no temporary file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { IoError } from '../../src/errors.js';
import { planOutput, writeOutput, writeOutputs } from '../../src/io/output-file.js';
import { ROOT, tempDir } from '../fixtures.js';

const isRoot = process.getuid?.() === 0;
const bytes = new TextEncoder().encode('new contents\n');

function scratch(name: string): string {
  return mkdtempSync(join(tempDir(), `${name}-`));
}

/** Files in `dir` (hidden ones included), to see that no temporary file is left. */
function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Asserts `fn` rejects with a one-line IoError that names `path` and no temporary file. */
async function rejectsNaming(fn: () => Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof IoError, String(e));
    assert.ok(e.message.startsWith(`${path}: `), e.message);
    assert.doesNotMatch(e.message, /\.tmp|\n/);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('output files', () => {
  test('a new path is created whole', async () => {
    const dir = scratch('new');
    const out = join(dir, 'out.btf');
    const plan = await writeOutput(out, bytes);
    assert.equal(plan.kind, 'file');
    assert.deepEqual(readFileSync(out), Buffer.from(bytes));
    assert.deepEqual(entries(dir), ['out.btf']);
  });

  test('an existing file is replaced keeping its mode and owner', async () => {
    const dir = scratch('mode');
    const out = join(dir, 'out.btf');
    writeFileSync(out, 'old');
    chmodSync(out, 0o640);
    if (isRoot) chownSync(out, 1234, 5678);
    const before = statSync(out);
    await writeOutput(out, bytes);
    const after = statSync(out);
    assert.notEqual(after.ino, before.ino, 'replaced by rename, not rewritten in place');
    assert.equal(after.mode & 0o7777, 0o640);
    assert.deepEqual([after.uid, after.gid], [before.uid, before.gid]);
    assert.deepEqual(readFileSync(out), Buffer.from(bytes));
    assert.deepEqual(entries(dir), ['out.btf']);
  });

  test('through a symlink, the file it points to is replaced and the link kept', async () => {
    const dir = scratch('link');
    const real = join(dir, 'real.btf');
    const link = join(dir, 'link.btf');
    writeFileSync(real, 'old');
    symlinkSync('real.btf', link);
    await writeOutput(link, bytes);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), 'real.btf');
    assert.deepEqual(readFileSync(real), Buffer.from(bytes));
  });

  test('a dangling symlink, a directory and a missing directory are refused', async () => {
    const dir = scratch('refuse');
    const dangling = join(dir, 'dangling');
    symlinkSync('nowhere', dangling);
    await rejectsNaming(() => writeOutput(dangling, bytes), dangling, /dangling symlink \(to nowhere\)/);
    assert.ok(lstatSync(dangling).isSymbolicLink());
    await rejectsNaming(() => writeOutput(dir, bytes), dir, /it is a directory/);
    const deep = join(dir, 'no', 'such', 'out');
    await rejectsNaming(() => writeOutput(deep, bytes), deep, /no such file or directory \(ENOENT\)$/);
    assert.deepEqual(entries(dir), ['dangling']);
  });

  test('an empty path and a path that lost non-UTF-8 bytes are refused', async () => {
    await assert.rejects(() => writeOutput('', bytes), IoError);
    await assert.rejects(() => writeOutput(join(tempDir(), 'x\ufffdy'), bytes), /not valid UTF-8/);
  });

  test('character devices are written straight through and stay devices', {
    skip: isRoot ? false : 'creating device nodes needs root',
  }, async () => {
    const dir = scratch('dev');
    // Private device nodes: the real /dev/null and /dev/full are never touched.
    const nul = join(dir, 'null');
    const full = join(dir, 'full');
    execFileSync('mknod', [nul, 'c', '1', '3']);
    execFileSync('mknod', [full, 'c', '1', '7']);
    assert.equal((await writeOutput(nul, bytes)).kind, 'stream');
    assert.ok(statSync(nul).isCharacterDevice());
    await rejectsNaming(() => writeOutput(full, bytes), full, /^[^:]+: cannot write: no space left on device \(ENOSPC\)$/);
    assert.ok(statSync(full).isCharacterDevice());
    assert.deepEqual(entries(dir), ['full', 'null']);
  });

  test('a block device is refused', { skip: existsSync('/dev/loop0') ? false : 'no /dev/loop0' }, async () => {
    await rejectsNaming(() => writeOutput('/dev/loop0', bytes), '/dev/loop0', /refusing to write: it is a block device/);
  });

  test('a FIFO without a reader is an error at once; with a reader it gets the bytes', async () => {
    const dir = scratch('fifo');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await rejectsNaming(() => writeOutput(fifo, bytes), fifo, /FIFO has no reader/);
    const reader = spawn('cat', [fifo]);
    const got: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => got.push(c));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    // The reader opens the FIFO asynchronously: retry until it is there.
    for (let i = 0; ; i++) {
      try {
        assert.equal((await writeOutput(fifo, bytes)).kind, 'stream');
        break;
      } catch (e) {
        if (i > 500 || !(e instanceof IoError) || e.code !== 'ENXIO') throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await closed;
    assert.deepEqual(Buffer.concat(got), Buffer.from(bytes));
    assert.ok(statSync(fifo).isFIFO());
  });

  test("'-' goes to the standard output sink; without one it is refused", async () => {
    const got: Uint8Array[] = [];
    assert.equal((await writeOutput('-', bytes, { stdout: (c) => got.push(c) })).kind, 'stdout');
    assert.deepEqual(got, [bytes]);
    await assert.rejects(() => writeOutput('-', bytes), IoError);
  });

  test('a pair appears together or not at all', async () => {
    const dir = scratch('pair');
    const a = join(dir, 'm.btf');
    const b = join(dir, 'm.btf.base');
    await writeOutputs([
      { path: a, bytes },
      { path: b, bytes },
    ]);
    assert.deepEqual(entries(dir), ['m.btf', 'm.btf.base']);
    // The second cannot be written (a directory is in the way): the first keeps its old bytes.
    writeFileSync(a, 'old a');
    const c = join(dir, 'blocked');
    mkdirSync(c);
    await assert.rejects(() =>
      writeOutputs([
        { path: a, bytes },
        { path: c, bytes },
      ]),
    );
    assert.equal(readFileSync(a, 'utf8'), 'old a');
    // A new pair whose second half fails leaves no first half behind.
    const n = join(dir, 'n.btf');
    await assert.rejects(() =>
      writeOutputs([
        { path: n, bytes },
        { path: join(dir, 'no', 'n.btf.base'), bytes },
      ]),
    );
    assert.deepEqual(entries(dir), ['blocked', 'm.btf', 'm.btf.base']);
    // A pair is never split between a file and a stream.
    await assert.rejects(
      () =>
        writeOutputs(
          [
            { path: n, bytes },
            { path: '-', bytes },
          ],
          { stdout: () => {} },
        ),
      /one of 2 outputs to standard output/,
    );
    assert.equal(existsSync(n), false);
  });

  test('planning looks without touching', () => {
    const dir = scratch('plan');
    assert.equal(planOutput(join(dir, 'x')).kind, 'file');
    assert.deepEqual(entries(dir), []);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} during a write removes the temporary file and ends the process by the signal`, () => {
      const dir = scratch(signal);
      const module = join(ROOT, 'build', 'src', 'io', 'output-file.js');
      // A child writes 256 MiB; once its temporary file exists, it signals itself.
      const script = `
        import { readdirSync } from 'node:fs';
        import { writeOutput } from ${JSON.stringify(module)};
        const dir = ${JSON.stringify(dir)};
        const poll = setInterval(() => {
          if (readdirSync(dir).some((f) => f.endsWith('.tmp'))) { clearInterval(poll); process.kill(process.pid, '${signal}'); }
        }, 1);
        await writeOutput(dir + '/out.btf', new Uint8Array(256 << 20));
        clearInterval(poll);
        console.log('finished');
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.signal, signal, `status ${r.status}, stdout ${r.stdout}, stderr ${r.stderr}`);
      assert.deepEqual(entries(dir), []);
    });
  }
});
