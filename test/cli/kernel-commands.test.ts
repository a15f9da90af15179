/**
 * `btf list`, `btf find` and the kernel sources of `btf dump`, run in-process.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/app.js';
import { Collection } from '../../src/load/collection.js';
import { bpftoolDump, FIXTURES, HOST_VMLINUX, have, kernelFixtures, ROOT } from '../fixtures.js';
import { kernelDir, openFds } from '../kernel/support.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (c) => out.push(typeof c === 'string' ? c : Buffer.from(c).toString()),
    err: (l) => err.push(l),
  });
  return { code, out: out.join(''), err };
}

const live =
  process.getuid?.() !== 0
    ? 'needs root'
    : !existsSync(HOST_VMLINUX)
      ? 'needs /sys/kernel/btf'
      : !have('bpftool')
        ? 'needs bpftool'
        : false;
const k = kernelFixtures()[0];
const COUNTER = join(FIXTURES, 'bpf', 'load', 'counter.bpf.o');

/** `id name size kernel` of each line of bpftool's or our plain `btf list` (first line of each object). */
function parseList(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^\d+: /.test(l))
    .map((l) => {
      const m = /^(\d+): name (\[[^\]]*\]|\S+) {2}size (\d+)B/.exec(l);
      assert.ok(m, `line parses: ${l}`);
      return `${m[1]} ${m[2]} ${m[3]}`;
    });
}

/**
 * Runs `ours` between two runs of `theirs` until all three agree (BTF objects come and go as
 * other processes load programs), then returns ours and their first.
 */
async function stableBeside<T>(ours: () => Promise<T>, theirs: () => T, same: (a: T, b: T) => boolean): Promise<[T, T]> {
  for (let attempt = 1; ; attempt++) {
    const first = theirs();
    const mine = await ours();
    // Other processes load and unload BTF all the time: an object may come and go between two
    // runs of bpftool, seen by ours alone. Settled when all three saw the same.
    if ((same(first, theirs()) && same(first, mine)) || attempt === 10) return [mine, first];
  }
}

test('btf list prints what bpftool btf list prints', { skip: live }, async () => {
  const before = openFds();
  // Each object's line (bpftool may add lines of the processes holding it), the ID lists sorted.
  const lines = (t: string) =>
    JSON.stringify(
      sortIdLists(t)
        .split('\n')
        .filter((l) => /^\d+: /.test(l)),
    );
  const [ours, theirs] = await stableBeside(
    async () => {
      const r = await run(['btf', 'list']);
      assert.equal(r.code, 0);
      return r.out;
    },
    () => spawnSync('bpftool', ['btf', 'list'], { encoding: 'utf8' }).stdout,
    (a, b) => lines(a) === lines(b),
  );
  assert.deepEqual(parseList(ours), parseList(theirs));
  assert.equal(lines(ours), lines(theirs));

  // -j: bpftool's members in bpftool's order (the ID lists sorted, as ours are).
  const [rows, bp] = await stableBeside(
    async () => (await run(['btf', 'list', '-j'])).out,
    () => sortIdLists(spawnSync('bpftool', ['-j', 'btf', 'list'], { encoding: 'utf8' }).stdout),
    (a, b) => a === b,
  );
  assert.deepEqual(rows, bp);
  assert.equal(openFds(), before);
});

/** `ids` lists (`prog_ids 3,1`, `"map_ids": [3,1`) with their IDs in increasing order. */
function sortIdLists(text: string): string {
  const sorted = (list: string) =>
    list
      .split(',')
      .map(Number)
      .sort((a, b) => a - b)
      .join(',');
  return text
    .replace(/(_ids )([\d,]+)/g, (_m, head: string, list: string) => head + sorted(list))
    .replace(/("\w+_ids": ?\[)([\d,]+)/g, (_m, head: string, list: string) => head + sorted(list));
}

test('btf list id N with the programs and maps using it: what bpftool prints, plain, -j and -p', { skip: live }, async () => {
  using c = Collection.load(readFileSync(COUNTER), { name: 'counter.bpf.o', programs: { xdp_bad: { autoload: false } } });
  const progs = [...c.programs.values()].map((p) => p.info());
  const btfId = progs[0]!.btfId;
  assert.ok(btfId > 0, 'the programs carry BTF');
  const progIds = progs.map((p) => p.id).sort((a, b) => a - b);
  for (const args of [[], ['-j'], ['-p']]) {
    const theirs = spawnSync('bpftool', [...args, 'btf', 'list', 'id', String(btfId)], { encoding: 'utf8' }).stdout;
    const ours = await run([...args, 'btf', 'list', 'id', String(btfId)]);
    assert.equal(ours.code, 0);
    // bpftool lists the IDs in the order of its hash table; tsbpf in increasing order.
    assert.equal(ours.out, sortIdLists(theirs), `btf list id ${args.join(' ')}`);
  }
  const row = JSON.parse((await run(['-j', 'btf', 'show', 'id', String(btfId)])).out) as {
    prog_ids: number[];
    map_ids: number[];
  };
  assert.deepEqual(row.prog_ids, progIds);
  // .bss, .data, .rodata and calls carry BTF types; bpftool's count is the oracle above.
  assert.ok(row.map_ids.length >= 4, `map_ids ${row.map_ids}`);

  // vmlinux, alone and laid out by -p, byte for byte.
  assert.equal(
    (await run(['-p', 'btf', 'list', 'id', '1'])).out,
    spawnSync('bpftool', ['-p', 'btf', 'list', 'id', '1'], { encoding: 'utf8' }).stdout,
  );
  const missing = await run(['btf', 'list', 'id', '4294967295']);
  assert.equal(missing.code, 1);
  assert.match(missing.err.join('\n'), /^tsbpf: btf list: BTF object 4294967295: no such object/);
  assert.equal((await run(['btf', 'list', 'id', 'x'])).code, 2);
  assert.equal((await run(['btf', 'list', 'id'])).code, 2);
  assert.equal((await run(['btf', 'list', 'id', '1', 'extra'])).code, 2);
});

test('btf find takes a kind abbreviated to a prefix of one kind, and refuses a prefix of several', { skip: live }, async () => {
  const full = await run(['btf', 'find', 'task_struct', 'kind', 'struct']);
  assert.equal(full.code, 0);
  for (const prefix of ['st', 'str', 'STRU'])
    assert.equal((await run(['btf', 'find', 'task_struct', 'kind', prefix])).out, full.out);
  assert.equal((await run(['btf', 'find', 'tcp_sendmsg', 'k', 'func'])).code, 0, 'func is a kind, not a prefix of func_proto');
  const ambiguous = await run(['btf', 'find', 'task_struct', 'kind', 'f']);
  assert.equal(ambiguous.code, 2);
  assert.equal(ambiguous.err[0], "tsbpf: btf find: ambiguous kind 'f' (could be: fwd, func, func_proto, float)");
  const unknown = await run(['btf', 'find', 'task_struct', 'kind', 'strcut']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err[0]!, /^tsbpf: btf find: unknown kind 'strcut' \(did you mean 'struct'\?/);
});

test('btf find in the running kernel names vmlinux with its object ID', { skip: live }, async () => {
  const r = await run(['btf', 'find', 'tcp_sendmsg', 'kind', 'func', '-j']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.out) as { object: string; objectId?: number; typeId: number; kind: string; name: string }[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.object, 'vmlinux');
  assert.equal(typeof rows[0]!.objectId, 'number');
  const raw = bpftoolDump(HOST_VMLINUX).toString();
  const m = /^\[(\d+)\] FUNC 'tcp_sendmsg'/m.exec(raw);
  assert.equal(rows[0]!.typeId, Number(m![1]));
  const text = await run(['btf', 'find', 'tcp_sendmsg', 'kind', 'func']);
  assert.equal(text.out, `vmlinux(${rows[0]!.objectId})  ${m![0]}${/^\[\d+\] FUNC 'tcp_sendmsg'(.*)$/m.exec(raw)![1]}\n`);
});

test('btf find without root reads sysfs and says nothing of the object IDs it cannot walk', {
  skip: live || (!have('setpriv') && 'needs setpriv'),
}, () => {
  // The installed CLI, run as nobody: the BTF object IDs cannot be walked (EPERM), sysfs is readable.
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      join(ROOT, 'dist/cli/main.js'),
      'btf',
      'find',
      'task_struct',
      'kind',
      'struct',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^vmlinux {2}\[\d+\] STRUCT 'task_struct' size=\d+ vlen=\d+\n$/);
});

test('btf dump kernel / id equal bpftool dump of vmlinux', { skip: live }, async () => {
  const want = bpftoolDump(HOST_VMLINUX).toString();
  assert.equal((await run(['btf', 'dump', 'kernel'])).out, want);
  const id = (JSON.parse((await run(['btf', 'list', '-j'])).out) as { id: number; name: string }[]).find(
    (o) => o.name === 'vmlinux',
  )!.id;
  assert.equal((await run(['btf', 'dump', 'id', String(id)])).out, want);
  const missing = await run(['btf', 'dump', 'id', '999999']);
  assert.equal(missing.code, 1);
  assert.match(missing.err.join('\n'), /999999/);
});

test('btf find and dump module over --btf-dir; broken modules warn on stderr', {
  skip: k ? false : 'no kernel fixtures',
}, async () => {
  const veth = k!.modules.get('veth')!;
  const dir = kernelDir(k!, { zz_broken: veth.slice(0, 40) });
  const r = await run(['btf', 'find', 'veth_xmit', '--btf-dir', dir, '-j']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.out) as { object: string; typeId: number; kind: string; name: string; objectId?: number }[];
  const want = /^\[(\d+)\] FUNC 'veth_xmit'/m.exec(bpftoolOrOurs(dir))!;
  assert.deepEqual(rows, [{ object: 'veth', typeId: Number(want[1]), kind: 'func', name: 'veth_xmit' }]);
  assert.equal(r.err.length, 1);
  assert.match(r.err[0]!, /^tsbpf: warning: module zz_broken: /);

  const text = await run(['btf', 'find', 'veth:veth_xmit', '--btf-dir', dir]);
  assert.match(text.out, new RegExp(`^veth  \\[${want[1]}\\] FUNC 'veth_xmit' type_id=\\d+ linkage=static\\n$`));
  const strict = await run(['btf', 'find', 'veth_xmit', '--btf-dir', dir, '--strict']);
  assert.equal(strict.code, 1);
  assert.match(strict.err.join('\n'), /zz_broken/);
  const unknownModule = await run(['btf', 'find', 'nosuch:veth_xmit', '--btf-dir', dir]);
  assert.equal(unknownModule.code, 1);
  const none = await run(['btf', 'find', 'no_such_name_xyz', '--btf-dir', dir, '-j']);
  assert.deepEqual([none.code, none.out], [1, '[]\n']);
  const noneText = await run(['btf', 'find', 'no_such_name_xyz', 'kind', 'struct', '--btf-dir', dir]);
  assert.deepEqual([noneText.code, noneText.out], [1, '']);
  assert.match(noneText.err.at(-1) ?? '', /^tsbpf: no struct named 'no_such_name_xyz' in /);
  const badKind = await run(['btf', 'find', 'x', 'kind', 'bogus', '--btf-dir', dir]);
  assert.equal(badKind.code, 2);

  const dump = await run(['btf', 'dump', 'module', 'veth', '--btf-dir', dir]);
  assert.equal(dump.out, bpftoolOrOurs(dir));
  const kernel = await run(['btf', 'dump', 'kernel', '--btf-dir', dir, 'format', 'json']);
  assert.equal((JSON.parse(kernel.out) as { types: unknown[] }).types.length > 1000, true);
});

function bpftoolOrOurs(dir: string): string {
  if (have('bpftool')) return bpftoolDump(join(dir, 'veth'), { base: join(dir, 'vmlinux') }).toString();
  return readFileSync(join(dir, 'veth')).toString('latin1');
}
