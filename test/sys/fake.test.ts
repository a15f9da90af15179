/**
 * The sys layer against a fake `bpf()`: errno mapping, the two-call info protocol, the load/log
 * retry, and fd ownership. Needs neither root nor a kernel with BPF.
 */
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KernelError, TsbpfError } from '../../src/errors.js';
import { type BpfAttr, BpfCommand, BtfInfoLayout, BtfLoadAttr, GetIdAttr, InfoAttr, StructBuffer } from '../../src/sys/attr.js';
import { describeErrno, Errno, errnoCode, kernelError } from '../../src/sys/errno.js';
import {
  btfGetFdById,
  btfGetNextId,
  btfIds,
  btfInfo,
  btfLoad,
  FD,
  type SyscallImpl,
  setSyscallImpl,
} from '../../src/sys/index.js';
import { progLoad } from '../../src/sys/prog.js';

/** A scripted `bpf()`: each command is handled by a function; every call is recorded. */
class FakeSyscalls implements SyscallImpl {
  readonly calls: { cmd: number; bytes: Uint8Array }[] = [];
  readonly closed: number[] = [];
  readonly handlers = new Map<number, (attr: BpfAttr) => number>();

  bpf(attr: BpfAttr): number {
    this.calls.push({ cmd: attr.cmd, bytes: attr.bytes.slice() });
    const handler = this.handlers.get(attr.cmd);
    return handler === undefined ? -Errno.EINVAL : handler(attr);
  }

  close(fd: number): number {
    this.closed.push(fd);
    return 0;
  }
}

function withFake(fn: (fake: FakeSyscalls) => void): void {
  const fake = new FakeSyscalls();
  const previous = setSyscallImpl(fake);
  try {
    fn(fake);
  } finally {
    setSyscallImpl(previous);
  }
}

test('errno codes agree with the platform (koffi.os.errno)', () => {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  let compared = 0;
  for (const [code, n] of Object.entries(Errno)) {
    const platform = koffi.os.errno[code];
    if (platform === undefined) continue; // ENOTSUPP is kernel-internal
    assert.equal(n, platform, code);
    compared++;
  }
  assert.ok(compared >= 25);
  assert.equal(errnoCode(Errno.EPERM), 'EPERM');
  assert.equal(errnoCode(4242), 'E4242');
});

test('kernelError: message leads with the command and carries errno, code and log', () => {
  const e = kernelError('BPF_BTF_LOAD', Errno.EINVAL, { subject: '40 bytes of BTF', log: 'bad magic\n' });
  assert.ok(e instanceof KernelError && e instanceof TsbpfError);
  assert.equal(e.command, 'BPF_BTF_LOAD');
  assert.equal(e.errno, 22);
  assert.equal(e.code, 'EINVAL');
  assert.equal(e.log, 'bad magic\n');
  assert.match(
    e.message,
    /^BPF_BTF_LOAD: EINVAL \(errno 22\): the kernel rejected the arguments of BPF_BTF_LOAD \(40 bytes of BTF\): bad magic$/,
  );
  assert.match(describeErrno('BPF_BTF_LOAD', Errno.ENOSPC), /log buffer/);
});

test('EPERM from the kernel says what privilege is missing', () => {
  withFake((fake) => {
    fake.handlers.set(BpfCommand.BPF_BTF_GET_FD_BY_ID, () => -Errno.EPERM);
    fake.handlers.set(BpfCommand.BPF_BTF_GET_NEXT_ID, () => -Errno.EPERM);
    assert.throws(
      () => btfGetFdById(7),
      (e: unknown) => {
        assert.ok(e instanceof KernelError);
        assert.equal(e.code, 'EPERM');
        assert.equal(e.errno, 1);
        assert.equal(e.command, 'BPF_BTF_GET_FD_BY_ID');
        // As root the refusal cannot be a missing privilege, and the message says so.
        const why =
          process.geteuid?.() === 0 ? /although running as root: the kernel's policy/ : /needs root or CAP_BPF.*CAP_SYS_ADMIN/;
        assert.match(e.message, /^BPF_BTF_GET_FD_BY_ID: EPERM \(errno 1\): /);
        assert.match(e.message, why);
        assert.match(e.message, /BTF ID 7/);
        return true;
      },
    );
    assert.throws(() => btfGetNextId(0), { name: 'KernelError', code: 'EPERM' });
    assert.deepEqual(
      fake.calls.map((c) => c.cmd),
      [19, 23],
    );
    // The attr carried the ID at offset 0 and had the GET_*_ID size.
    assert.equal(fake.calls[0]?.bytes.length, GetIdAttr.size);
    assert.equal(new DataView(fake.calls[0]!.bytes.buffer).getUint32(0, true), 7);
    assert.equal(fake.closed.length, 0);
  });
});

test('ID iteration walks next_id until ENOENT', () => {
  withFake((fake) => {
    const loaded = [1, 5, 9];
    fake.handlers.set(BpfCommand.BPF_BTF_GET_NEXT_ID, (attr) => {
      const next = loaded.find((id) => id > attr.u32(GetIdAttr.id));
      if (next === undefined) return -Errno.ENOENT;
      attr.setU32(GetIdAttr.nextId, next);
      return 0;
    });
    assert.deepEqual([...btfIds()], loaded);
    assert.equal(btfGetNextId(9), undefined);
    assert.throws(() => btfGetNextId(-1), TsbpfError);
  });
});

/** A fake kernel side of `BPF_OBJ_GET_INFO_BY_FD` for one BTF object, following bpf_btf_info rules. */
function fakeInfo(object: { id: number; name: string; data: Uint8Array; kernel: boolean }) {
  return (attr: BpfAttr): number => {
    const info = attr.pointee(InfoAttr.info);
    assert.ok(info instanceof StructBuffer, 'info points at a struct');
    assert.equal(attr.u32(InfoAttr.infoLen), BtfInfoLayout.size);
    const dataBuf = info.pointee(BtfInfoLayout.btf);
    const nameBuf = info.pointee(BtfInfoLayout.name);
    assert.ok(!(dataBuf instanceof StructBuffer) && !(nameBuf instanceof StructBuffer));
    const nameLen = info.u32(BtfInfoLayout.nameLen);
    if ((nameBuf === undefined) !== (nameLen === 0)) return -Errno.EINVAL;
    if (dataBuf !== undefined) {
      dataBuf.set(object.data.subarray(0, Math.min(dataBuf.length, info.u32(BtfInfoLayout.btfSize))));
    }
    info.setU32(BtfInfoLayout.btfSize, object.data.length);
    info.setU32(BtfInfoLayout.id, object.id);
    info.setU32(BtfInfoLayout.kernelBtf, object.kernel ? 1 : 0);
    const name = new TextEncoder().encode(object.name);
    info.setU32(BtfInfoLayout.nameLen, name.length);
    if (nameBuf !== undefined) {
      if (nameLen < name.length + 1) return -Errno.ENOSPC;
      nameBuf.set(name);
      nameBuf[name.length] = 0;
    }
    return 0;
  };
}

test('btfInfo asks for sizes first, then fetches name and blob', () => {
  withFake((fake) => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    fake.handlers.set(BpfCommand.BPF_OBJ_GET_INFO_BY_FD, fakeInfo({ id: 42, name: 'nf_tables', data, kernel: true }));
    const fd = new FD(33, fake);
    const withData = btfInfo(fd, { withData: true });
    assert.equal(withData.id, 42);
    assert.equal(withData.name, 'nf_tables');
    assert.equal(withData.size, 300);
    assert.equal(withData.kernelBtf, true);
    assert.deepEqual(withData.data, data);
    assert.equal(fake.calls.length, 2);
    assert.equal(new DataView(fake.calls[0]!.bytes.buffer).getUint32(InfoAttr.bpfFd, true), 33);

    const noData = btfInfo(fd);
    assert.equal(noData.name, 'nf_tables');
    assert.equal(noData.data, undefined);
    fd.close();
    assert.deepEqual(fake.closed, [33]);
  });
});

test('btfInfo of an unnamed object needs a single call without data', () => {
  withFake((fake) => {
    fake.handlers.set(BpfCommand.BPF_OBJ_GET_INFO_BY_FD, fakeInfo({ id: 3, name: '', data: new Uint8Array(40), kernel: false }));
    const info = btfInfo(12);
    assert.deepEqual(info, { id: 3, name: '', size: 40, kernelBtf: false });
    assert.equal(fake.calls.length, 1);
  });
});

test('btfLoad retries with a log, grows it on ENOSPC, and reports the first errno with the log', () => {
  withFake((fake) => {
    const message = `magic: 0x1234\nInvalid magic\n${'x'.repeat(500)}\n`;
    const levels: number[] = [];
    fake.handlers.set(BpfCommand.BPF_BTF_LOAD, (attr) => {
      const level = attr.u32(BtfLoadAttr.logLevel);
      levels.push(level);
      const blob = attr.pointee(BtfLoadAttr.btf);
      assert.ok(blob instanceof Uint8Array);
      assert.equal(attr.u32(BtfLoadAttr.btfSize), blob.length);
      if (level === 0) return -Errno.EINVAL;
      const log = attr.pointee(BtfLoadAttr.logBuf);
      assert.ok(log instanceof Uint8Array);
      assert.equal(attr.u32(BtfLoadAttr.logSize), log.length);
      const text = new TextEncoder().encode(message);
      attr.setU32(BtfLoadAttr.logTrueSize, text.length + 1);
      const n = Math.min(text.length, log.length - 1);
      log.set(text.subarray(0, n));
      log[n] = 0;
      return n < text.length ? -Errno.ENOSPC : -Errno.EINVAL;
    });
    assert.throws(
      () => btfLoad(new Uint8Array([0x34, 0x12, 1, 0]), { logSize: 128 }),
      (e: unknown) => {
        assert.ok(e instanceof KernelError);
        assert.equal(e.errno, Errno.EINVAL);
        assert.equal(e.command, 'BPF_BTF_LOAD');
        assert.equal(e.log, message);
        // One line: the log's last line that says something; the whole log is e.log.
        assert.match(e.message, /^BPF_BTF_LOAD: EINVAL .*BTF blob.*: x{500}$/);
        return true;
      },
    );
    // no log, log of 128 bytes (ENOSPC), log of the true size
    assert.deepEqual(levels, [0, 1, 1]);
    const sizes = fake.calls.map((c) => new DataView(c.bytes.buffer).getUint32(BtfLoadAttr.logSize, true));
    assert.deepEqual(sizes, [0, 128, message.length + 1]);
  });
});

test('btfLoad grows a log that an old kernel truncated silently (EINVAL, no true size)', () => {
  withFake((fake) => {
    const message = `[1] INT bad_int size=4 bits_offset=0 nr_bits=64 encoding=(none)\n${'y'.repeat(300)}\nnr_bits exceeds type_size\n`;
    fake.handlers.set(BpfCommand.BPF_BTF_LOAD, (attr) => {
      if (attr.u32(BtfLoadAttr.logLevel) === 0) return -Errno.EINVAL;
      const log = attr.pointee(BtfLoadAttr.logBuf) as Uint8Array;
      const text = new TextEncoder().encode(message);
      const n = Math.min(text.length, log.length - 1);
      log.set(text.subarray(0, n));
      log[n] = 0;
      return -Errno.EINVAL; // as kernels before 6.4 do, whether or not the log fit
    });
    assert.throws(
      () => btfLoad(new Uint8Array(8), { logSize: 128 }),
      (e: unknown) => e instanceof KernelError && e.log === message,
    );
    const sizes = fake.calls.map((c) => new DataView(c.bytes.buffer).getUint32(BtfLoadAttr.logSize, true));
    assert.deepEqual(sizes, [0, 128, 512]);
  });
});

test('btfLoad does not retry for a permission error and hands out an owned fd on success', () => {
  withFake((fake) => {
    fake.handlers.set(BpfCommand.BPF_BTF_LOAD, () => -Errno.EPERM);
    assert.throws(() => btfLoad(new Uint8Array(8)), { code: 'EPERM', log: undefined });
    assert.equal(fake.calls.length, 1);
    fake.handlers.set(BpfCommand.BPF_BTF_LOAD, () => 77);
    const fd = btfLoad(new Uint8Array(8));
    assert.equal(fd.raw, 77);
    fd.close();
    fd.close();
    assert.deepEqual(fake.closed, [77]);
  });
});

test('progLoad tries again while the verifier answers EAGAIN (a pending signal), at most five times', () => {
  withFake((fake) => {
    let eagain = 2;
    fake.handlers.set(BpfCommand.BPF_PROG_LOAD, () => (eagain-- > 0 ? -Errno.EAGAIN : 41));
    const insns = new Uint8Array(16);
    const { fd } = progLoad({ type: 1, instructions: insns, license: 'GPL' });
    assert.equal(fd.raw, 41);
    assert.equal(fake.calls.length, 3);
    fd.close();
    fake.calls.length = 0;
    fake.handlers.set(BpfCommand.BPF_PROG_LOAD, () => -Errno.EAGAIN);
    assert.throws(() => progLoad({ type: 1, instructions: insns, license: 'GPL' }), { code: 'EAGAIN' });
    // five without a log, then five with one (which stays empty)
    assert.equal(fake.calls.length, 10);
  });
});

test('FD: close is idempotent, the number is unusable after close', () => {
  const fake = new FakeSyscalls();
  const fd = new FD(5, fake);
  assert.equal(fd.raw, 5);
  assert.equal(fd.value, 5);
  assert.equal(String(fd), 'fd 5');
  fd.close();
  fd.close();
  assert.equal(fd.closed, true);
  assert.deepEqual(fake.closed, [5]);
  assert.throws(() => fd.raw, /used after close/);
  assert.throws(() => fd.value, TsbpfError);
  assert.throws(() => new FD(-1, fake), TsbpfError);
});

test('FD: a leaked descriptor is closed when collected', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const fake = new FakeSyscalls();
  (() => {
    new FD(901, fake);
    const kept = new FD(902, fake);
    kept.close();
  })();
  for (let i = 0; i < 50 && !fake.closed.includes(901); i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(fake.closed, [902, 901], 'the closed fd is not closed twice; the leaked one is');
});
