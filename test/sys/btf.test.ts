/**
 * The BTF commands against the running kernel. Needs root (CAP_SYS_ADMIN for walking IDs);
 * skipped otherwise.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KernelError, lastLogLine } from '../../src/errors.js';
import { btfGetFdById, btfGetNextId, btfIds, btfInfo, btfLoad, Errno, type FD } from '../../src/sys/index.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (bpf() BTF commands need CAP_SYS_ADMIN / CAP_BPF)';
  if (!existsSync(VMLINUX)) return `needs kernel BTF (${VMLINUX})`;
  return false;
}

const skip = skipReason();
if (skip !== false) console.log(`# skipping kernel BTF tests: ${skip}`);

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

const fdsBefore = process.platform === 'linux' ? openFds() : 0;

/** A hand-built BTF blob: header, one INT type, and its string table. */
function intBtf(name: string, bits: number, byteSize = 4): Uint8Array {
  const strings = new TextEncoder().encode(`\0${name}\0`);
  const typeLen = 16;
  const out = new Uint8Array(24 + typeLen + strings.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true); // magic
  v.setUint8(2, 1); // version
  v.setUint8(3, 0); // flags
  v.setUint32(4, 24, true); // hdr_len
  v.setUint32(8, 0, true); // type_off
  v.setUint32(12, typeLen, true); // type_len
  v.setUint32(16, typeLen, true); // str_off
  v.setUint32(20, strings.length, true); // str_len
  v.setUint32(24, 1, true); // name_off -> name
  v.setUint32(28, 1 << 24, true); // info: kind INT, vlen 0
  v.setUint32(32, byteSize, true); // size
  v.setUint32(36, (1 << 24) | bits, true); // encoding SIGNED, offset 0, nr_bits
  out.set(strings, 24 + typeLen);
  return out;
}

function bpftoolShow(id: number): Record<string, unknown> | undefined {
  const r = spawnSync('bpftool', ['-j', 'btf', 'show', 'id', String(id)], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('ID iteration finds vmlinux, and its info and blob match /sys/kernel/btf/vmlinux', { skip }, () => {
  const ids = [...btfIds()];
  assert.ok(ids.length >= 1, 'at least one BTF object');
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'IDs come in increasing order',
  );
  assert.equal(btfGetNextId(ids.at(-1)), undefined, 'ENOENT after the last ID ends the walk');

  let vmlinux: number | undefined;
  for (const id of ids) {
    let fd: FD;
    try {
      fd = btfGetFdById(id);
    } catch (e) {
      // An object can go away between the walk and the open.
      if (e instanceof KernelError && e.errno === Errno.ENOENT) continue;
      throw e;
    }
    try {
      const info = btfInfo(fd);
      assert.equal(info.id, id);
      if (info.kernelBtf && info.name === 'vmlinux') vmlinux = id;
    } finally {
      fd.close();
    }
  }
  assert.ok(vmlinux !== undefined, `vmlinux among IDs ${ids.join(',')}`);

  const expected = readFileSync(VMLINUX);
  const fd = btfGetFdById(vmlinux);
  try {
    const info = btfInfo(fd, { withData: true });
    assert.equal(info.name, 'vmlinux');
    assert.equal(info.kernelBtf, true);
    assert.equal(info.size, expected.length);
    assert.ok(info.data !== undefined);
    assert.equal(Buffer.compare(Buffer.from(info.data.buffer, info.data.byteOffset, info.data.length), expected), 0);
  } finally {
    fd.close();
  }
});

test('BTF_GET_FD_BY_ID of an ID that does not exist is ENOENT', { skip }, () => {
  assert.throws(
    () => btfGetFdById(0xffff_fff0),
    (e: unknown) => {
      assert.ok(e instanceof KernelError);
      assert.equal(e.code, 'ENOENT');
      assert.match(e.message, /^BPF_BTF_GET_FD_BY_ID: ENOENT \(errno 2\).*BTF ID 4294967280/);
      return true;
    },
  );
});

test('BTF_LOAD of a hand-built blob: info round-trips and agrees with bpftool', { skip }, () => {
  const blob = intBtf('tsbpf_int', 32);
  const fd = btfLoad(blob);
  let id: number;
  try {
    const info = btfInfo(fd, { withData: true });
    id = info.id;
    assert.ok(id > 0);
    assert.equal(info.kernelBtf, false);
    assert.equal(info.name, '');
    assert.equal(info.size, blob.length);
    assert.deepEqual(info.data, blob, 'the kernel gives back the blob it was given');
    assert.ok([...btfIds()].includes(id), 'the new object shows up in the ID walk');

    const other = btfGetFdById(id);
    try {
      assert.notEqual(other.raw, fd.raw);
      assert.equal(btfInfo(other).id, id);
    } finally {
      other.close();
    }

    const shown = bpftoolShow(id);
    if (shown === undefined) {
      console.log('# bpftool not available, skipped the bpftool comparison');
    } else {
      assert.equal(shown.id, id);
      assert.equal(shown.size, info.size);
      assert.equal(shown.kernel, info.kernelBtf);
      assert.equal(shown.name ?? '', info.name);
    }

    // An explicit log level keeps working on success (the log is just not needed).
    const logged = btfLoad(blob, { logLevel: 1, logSize: 4096 });
    try {
      assert.notEqual(btfInfo(logged).id, id);
    } finally {
      logged.close();
    }
  } finally {
    fd.close();
  }
  assert.throws(() => fd.raw, /after close/);
  // The last fd is gone, so is the object.
  assert.throws(() => btfGetFdById(id), { name: 'KernelError', code: 'ENOENT' });
});

test('BTF_LOAD of an invalid blob throws EINVAL with the kernel log', { skip }, () => {
  // nr_bits (64) larger than the type's size (4 bytes).
  const bad = intBtf('bad_int', 64, 4);
  for (const logSize of [undefined, 128]) {
    assert.throws(
      () => btfLoad(bad, logSize === undefined ? {} : { logSize }),
      (e: unknown) => {
        assert.ok(e instanceof KernelError);
        assert.equal(e.command, 'BPF_BTF_LOAD');
        assert.equal(e.errno, Errno.EINVAL);
        assert.equal(e.code, 'EINVAL');
        assert.ok(e.log !== undefined && e.log.trim().length > 0, 'non-empty kernel log');
        assert.ok(!e.message.includes('\n'), 'the message is one line');
        assert.ok(e.message.endsWith(`: ${lastLogLine(e.log)}`), 'the message ends with the last line of the log');
        // The whole log, even when the first buffer (128 bytes) was too small for it.
        assert.match(e.log, /nr_bits exceeds type_size/);
        if (logSize === undefined) console.log(`# kernel log:\n# ${e.log.trimEnd().split('\n').join('\n# ')}`);
        return true;
      },
    );
  }
  // A truncated header is rejected too.
  assert.throws(() => btfLoad(intBtf('x', 32).subarray(0, 10)), { name: 'KernelError', errno: Errno.EINVAL });
});

/** Runs `btfGetNextId(0)` in this process, or as user nobody in a child when this process is root. */
function unprivilegedGetNextId(): { code?: string; message?: string; unreadable?: string } {
  if (process.getuid?.() !== 0) {
    try {
      btfGetNextId(0);
      return {};
    } catch (e) {
      return { code: (e as KernelError).code, message: (e as Error).message };
    }
  }
  const sys = new URL('../../src/sys/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(sys)}).then((m) => { try { m.btfGetNextId(0); console.log('{}'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); } },
    (e) => console.log(JSON.stringify({ unreadable: String(e.code ?? e) })))`;
  const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) return { unreadable: r.stderr.trim().split('\n')[0] ?? 'child failed' };
  return JSON.parse(r.stdout.trim());
}

test('without privileges the real kernel refuses, and the error says why', {
  skip: process.platform !== 'linux' ? 'Linux only' : false,
}, (t) => {
  const r = unprivilegedGetNextId();
  if (r.unreadable !== undefined) {
    t.skip(`user nobody cannot load the build from this checkout (${r.unreadable})`);
    return;
  }
  assert.equal(r.code, 'EPERM');
  assert.match(r.message ?? '', /needs root or CAP_BPF/);
});

test('no file descriptor leaked by the tests above', { skip }, () => {
  assert.equal(openFds(), fdsBefore);
});
