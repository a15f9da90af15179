/**
 * Helpers for the kernel tests: temporary directories laid out like /sys/kernel/btf built from
 * the committed kernel fixtures, open-fd counting, and a fake kernel holding BTF objects.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BpfAttr, BpfCommand, BtfInfoLayout, GetIdAttr, InfoAttr, StructBuffer } from '../../src/sys/attr.js';
import { Errno, type SyscallImpl } from '../../src/sys/index.js';
import type { KernelFixture } from '../fixtures.js';

/** Number of open descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** A fresh temporary directory, removed when the test process exits. */
export function freshDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsbpf-${tag}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A directory like /sys/kernel/btf with the fixture's vmlinux and modules (plus `extra` files). */
export function kernelDir(k: KernelFixture, extra: Record<string, Uint8Array> = {}): string {
  const dir = freshDir(`kdir-${k.release}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinux'), k.vmlinux);
  for (const [name, bytes] of k.modules) writeFileSync(join(dir, name), bytes);
  for (const [name, bytes] of Object.entries(extra)) writeFileSync(join(dir, name), bytes);
  // Files a real directory may hold and that are not modules.
  writeFileSync(join(dir, '.done'), '');
  return dir;
}

/** A BTF object of the fake kernel. */
export interface FakeObject {
  id: number;
  name: string;
  data: Uint8Array;
  kernel: boolean;
}

/**
 * A fake `bpf()` holding BTF objects: GET_NEXT_ID, GET_FD_BY_ID and OBJ_GET_INFO_BY_FD as the
 * kernel answers them. Objects can be added and removed between calls (module load/unload).
 */
export class FakeKernel implements SyscallImpl {
  readonly objects = new Map<number, FakeObject>();
  readonly fds = new Map<number, number>();
  /** errno to answer every GET_NEXT_ID with (e.g. EPERM), if set. */
  walkErrno: number | undefined;
  /** IDs whose open fails with ENOENT (vanished mid-walk). */
  readonly vanishing = new Set<number>();
  opened = 0;
  /** GET_NEXT_ID calls answered (a walk of N objects makes N + 1). */
  nextIdCalls = 0;
  #nextFd = 1000;

  add(o: FakeObject): void {
    this.objects.set(o.id, o);
  }

  bpf(attr: BpfAttr): number {
    switch (attr.cmd) {
      case BpfCommand.BPF_BTF_GET_NEXT_ID: {
        this.nextIdCalls++;
        if (this.walkErrno !== undefined) return -this.walkErrno;
        const start = attr.u32(GetIdAttr.id);
        const next = [...this.objects.keys()].sort((a, b) => a - b).find((id) => id > start);
        if (next === undefined) return -Errno.ENOENT;
        attr.setU32(GetIdAttr.nextId, next);
        return 0;
      }
      case BpfCommand.BPF_BTF_GET_FD_BY_ID: {
        if (this.walkErrno !== undefined) return -this.walkErrno;
        const id = attr.u32(GetIdAttr.id);
        if (!this.objects.has(id) || this.vanishing.has(id)) return -Errno.ENOENT;
        const fd = this.#nextFd++;
        this.fds.set(fd, id);
        this.opened++;
        return fd;
      }
      case BpfCommand.BPF_OBJ_GET_INFO_BY_FD: {
        const id = this.fds.get(attr.u32(InfoAttr.bpfFd));
        const o = id === undefined ? undefined : this.objects.get(id);
        if (!o) return -Errno.EBADF;
        const info = attr.pointee(InfoAttr.info);
        if (!(info instanceof StructBuffer)) return -Errno.EFAULT;
        const dataBuf = info.pointee(BtfInfoLayout.btf);
        const nameBuf = info.pointee(BtfInfoLayout.name);
        if (dataBuf instanceof Uint8Array) dataBuf.set(o.data.subarray(0, Math.min(dataBuf.length, o.data.length)));
        const name = new TextEncoder().encode(o.name);
        if (nameBuf instanceof Uint8Array) {
          if (nameBuf.length < name.length + 1) return -Errno.ENOSPC;
          nameBuf.set(name);
          nameBuf[name.length] = 0;
        }
        info.setU32(BtfInfoLayout.btfSize, o.data.length);
        info.setU32(BtfInfoLayout.id, o.id);
        info.setU32(BtfInfoLayout.nameLen, name.length);
        info.setU32(BtfInfoLayout.kernelBtf, o.kernel ? 1 : 0);
        return 0;
      }
      default:
        return -Errno.EINVAL;
    }
  }

  close(fd: number): number {
    this.fds.delete(fd);
    return 0;
  }
}
