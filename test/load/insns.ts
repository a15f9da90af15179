/** Small hand-assembled programs for the live tests (opcodes from src/asm/opcodes.ts). */
import type { Instruction } from '../../src/asm/instruction.js';
import { sharedKernelBtf } from '../../src/load/kernel-btf.js';

const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

/** `r0 = imm; exit`. */
export function returnImm(imm: number): Instruction[] {
  return [i(0xb7, 0, 0, 0, imm), i(0x95)];
}

/** Adds 1 to the u64 at key 0 of array map `mapFd`; returns 0. */
export function countInto(mapFd: number): Instruction[] {
  return [
    i(0x62, 10, 0, -4, 0), // *(u32 *)(r10 - 4) = 0
    i(0x18, 1, 1, 0, mapFd), // r1 = map fd (ld_imm64, BPF_PSEUDO_MAP_FD)
    i(0, 0, 0, 0, 0),
    i(0xbf, 2, 10), // r2 = r10
    i(0x07, 2, 0, 0, -4), // r2 += -4
    i(0x85, 0, 0, 0, 1), // call bpf_map_lookup_elem
    i(0x15, 0, 0, 2, 0), // if r0 == 0 goto +2
    i(0xb7, 1, 0, 0, 1), // r1 = 1
    i(0xdb, 0, 1, 0, 0), // lock *(u64 *)(r0 + 0) += r1
    i(0xb7, 0, 0, 0, 0), // r0 = 0
    i(0x95), // exit
  ];
}

/**
 * Emits a `size`-byte record (its first u64 = a running sequence number kept at key 0 of array
 * map `seqFd`, the rest zero) into ring buffer `ringFd` with bpf_ringbuf_output, `count` times.
 */
export function ringbufEmit(ringFd: number, size: number, helper: 'ringbuf' | 'perf', count = 1): Instruction[] {
  const out: Instruction[] = [];
  out.push(i(0xbf, 6, 1)); // r6 = ctx
  for (let n = 0; n < count; n++) {
    for (let off = 8; off < size; off += 8) out.push(i(0x7a, 10, 0, -size + off, 0)); // *(u64 *)(r10 - size + off) = 0
    out.push(i(0x7a, 10, 0, -size, n)); // *(u64 *)(r10 - size) = n
    if (helper === 'ringbuf') {
      out.push(i(0x18, 1, 1, 0, ringFd), i(0, 0, 0, 0, 0)); // r1 = ringbuf
      out.push(i(0xbf, 2, 10), i(0x07, 2, 0, 0, -size)); // r2 = r10 - size
      out.push(i(0xb7, 3, 0, 0, size)); // r3 = size
      out.push(i(0xb7, 4, 0, 0, 0)); // r4 = 0
      out.push(i(0x85, 0, 0, 0, 130)); // call bpf_ringbuf_output
    } else {
      out.push(i(0xbf, 1, 6)); // r1 = ctx
      out.push(i(0x18, 2, 1, 0, ringFd), i(0, 0, 0, 0, 0)); // r2 = perf event array
      out.push(i(0x18, 3, 0, 0, -1), i(0, 0, 0, 0, 0)); // r3 = BPF_F_CURRENT_CPU
      out.push(i(0xbf, 4, 10), i(0x07, 4, 0, 0, -size)); // r4 = r10 - size
      out.push(i(0xb7, 5, 0, 0, size)); // r5 = size
      out.push(i(0x85, 0, 0, 0, 25)); // call bpf_perf_event_output
    }
  }
  out.push(i(0xb7, 0, 0, 0, 0), i(0x95));
  return out;
}

/** The syscall entry function of getppid on this architecture (a kprobe target). */
export const GETPPID = process.arch === 'arm64' ? '__arm64_sys_getppid' : '__x64_sys_getppid';

/** A function with BTF that every getppid(2) calls (an fentry target): the first vmlinux has. */
export function getppidBtfFunction(): string {
  const spec = sharedKernelBtf().vmlinux();
  for (const name of ['__do_sys_getppid', GETPPID, '__se_sys_getppid']) {
    if (spec.typeByName(name, 'func') !== undefined) return name;
  }
  throw new Error('no BTF function of getppid in vmlinux');
}
