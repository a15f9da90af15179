/**
 * What `.kconfig` and untyped `__ksym` externs resolve to: the running kernel's configuration
 * (`/boot/config-<release>`, else `/proc/config.gz`), its version, what the virtual `LINUX_*`
 * externs say of it, and `/proc/kallsyms`.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { encodeInstructions } from '../asm/instruction.js';
import { KernelError, NotFoundError, ObjectError } from '../errors.js';
import { probePmu } from '../link/tracefs.js';
import { kconfigData, kernelVersionCode, parseKconfig } from '../obj/kconfig.js';
import type { ExternSpec } from '../obj/object-spec.js';
import { Errno } from '../sys/errno.js';
import { perfEventOpen } from '../sys/perf.js';
import { progLoad } from '../sys/prog.js';
import { ProgType } from '../sys/prog-type.js';

let config: Map<string, string> | undefined;

const GZIP_MAGIC = [0x1f, 0x8b];

/** The release string (`uname -r`: one `uname(2)`, no file to open and read). */
export function kernelRelease(): string {
  return release();
}

/**
 * The running kernel's configuration, read once (parsed by obj's {@link parseKconfig}), or
 * `undefined` when there is none. As libbpf: `/boot/config-<release>` first, then
 * `/proc/config.gz`, either compressed with gzip or not.
 *
 * @throws {@link ObjectError} for a configuration libbpf refuses to parse (see {@link parseKconfig}).
 */
export function kernelConfig(): Map<string, string> | undefined {
  if (config !== undefined) return config;
  for (const path of [`/boot/config-${kernelRelease()}`, '/proc/config.gz']) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      continue;
    }
    const gzip = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
    config = parseKconfig((gzip ? gunzipSync(bytes) : bytes).toString('utf8'), path);
    return config;
  }
  return undefined;
}

/**
 * `LINUX_KERNEL_VERSION` as libbpf computes it from the release: `KERNEL_VERSION(a, b, min(c,
 * 255))` of its first three numbers, or 0 when it does not start with three.
 */
export function linuxKernelVersion(release = kernelRelease()): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(release);
  if (m === null) return 0;
  return kernelVersionCode(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** The prefix of wrapped syscall entry points (`__x64_sys_bpf`) by `process.arch`, as libbpf names them. */
const SYSCALL_PREFIX: Readonly<Record<string, string>> = {
  x64: '__x64_',
  ia32: '__ia32_',
  arm: '__arm_',
  arm64: '__arm64_',
  s390x: '__s390x_',
  mips: '__mips_',
  mipsel: '__mips_',
  riscv64: '__riscv_',
  ppc: '__powerpc_',
  ppc64: '__powerpc_',
};

let syscallWrapper: boolean | undefined;

/**
 * Whether syscall entry points take a `struct pt_regs` wrapper (`LINUX_HAS_SYSCALL_WRAPPER`), as
 * libbpf finds it: a kprobe on the wrapped name of `bpf()` (`__x64_sys_bpf`) can be created. A
 * kernel without the kprobe PMU (no CONFIG_KPROBES) says no, whatever its symbols. Probed once
 * per process.
 */
export function hasSyscallWrapper(): boolean {
  if (syscallWrapper !== undefined) return syscallWrapper;
  const prefix = SYSCALL_PREFIX[process.arch];
  syscallWrapper = false;
  if (prefix === undefined) return syscallWrapper;
  try {
    const pmu = probePmu('kprobe');
    const symbol = `${prefix}sys_bpf`;
    perfEventOpen({
      type: pmu.type,
      config: 0n,
      config1: symbol,
      config2: 0n,
      pid: process.pid,
      cpu: -1,
      subject: `kprobe ${symbol}`,
    }).close();
    syscallWrapper = true;
  } catch {
    // No kprobe PMU, or no such function to probe.
  }
  return syscallWrapper;
}

/** `BPF_FUNC_get_attach_cookie`. */
const GET_ATTACH_COOKIE = 174;
let bpfCookie: boolean | undefined;

/**
 * Whether programs can read their attach cookie (`LINUX_HAS_BPF_COOKIE`, Linux 5.15): a
 * tracepoint program calling `bpf_get_attach_cookie` loads. Probed once per process.
 *
 * @throws {@link KernelError} when the process may not load programs at all.
 */
export function hasBpfCookie(): boolean {
  if (bpfCookie === undefined) {
    const call = { code: 0x85, dst: 0, src: 0, off: 0, imm: GET_ATTACH_COOKIE };
    const exit = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
    const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    try {
      const loaded = progLoad({
        type: ProgType.TRACEPOINT,
        instructions: encodeInstructions([call, exit], hostLittleEndian),
        license: 'GPL',
        name: 'probe_cookie',
      });
      loaded.fd.close();
      bpfCookie = true;
    } catch (err) {
      if (err instanceof KernelError && err.errno === Errno.EPERM) throw err;
      bpfCookie = false;
    }
  }
  return bpfCookie;
}

/**
 * The `.kconfig` map's value for `externs` on the running kernel, as libbpf fills it (obj's
 * {@link kconfigData} rules): `CONFIG_*` externs from {@link kernelConfig}, which must exist
 * when there is one, `LINUX_KERNEL_VERSION`, `LINUX_HAS_BPF_COOKIE` and
 * `LINUX_HAS_SYSCALL_WRAPPER` from the kernel (each found only when an extern asks).
 *
 * @throws {@link ObjectError} naming the extern whose value is missing or does not fit, or
 *   `.kconfig` when the kernel's configuration cannot be found.
 */
export function kernelKconfigData(externs: readonly ExternSpec[], littleEndian: boolean): Uint8Array {
  const kcfg = externs.filter((e) => e.kind === 'kconfig');
  let config: ReadonlyMap<string, string> = new Map();
  if (kcfg.some((e) => e.name.startsWith('CONFIG_'))) {
    const found = kernelConfig();
    if (found === undefined) {
      throw new ObjectError(`no kernel configuration: neither /boot/config-${kernelRelease()} nor /proc/config.gz`, {
        section: '.kconfig',
      });
    }
    config = found;
  }
  const virtuals: Record<string, number | boolean> = {};
  for (const e of kcfg) {
    if (e.name === 'LINUX_KERNEL_VERSION') virtuals[e.name] = linuxKernelVersion();
    else if (e.name === 'LINUX_HAS_BPF_COOKIE') virtuals[e.name] = hasBpfCookie();
    else if (e.name === 'LINUX_HAS_SYSCALL_WRAPPER') virtuals[e.name] = hasSyscallWrapper();
  }
  return kconfigData(kcfg, littleEndian, config, virtuals);
}

let kallsyms: Map<string, bigint> | undefined;

function kallsymsTable(): Map<string, bigint> {
  if (kallsyms === undefined) {
    kallsyms = new Map();
    for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
      const parts = line.split(/\s+/);
      if (parts.length < 3) continue;
      const addr = BigInt(`0x${parts[0]}`);
      const sym = parts[2]!;
      const mod = parts[3]?.replace(/^\[|\]$/g, '');
      if (!kallsyms.has(sym)) kallsyms.set(sym, addr);
      if (mod !== undefined && mod !== '') kallsyms.set(`${mod}:${sym}`, addr);
    }
  }
  return kallsyms;
}

/**
 * The address of kernel symbol `name` from `/proc/kallsyms` (`module:name` picks a module's).
 *
 * @throws {@link NotFoundError} when no such symbol is listed (or addresses are hidden as 0).
 */
export function kallsymsAddress(name: string): bigint {
  const addr = kallsymsTable().get(name);
  if (addr === undefined || addr === 0n)
    throw new NotFoundError(`kernel symbol ${name}: not in /proc/kallsyms (or addresses hidden)`);
  return addr;
}
