/**
 * What `.kconfig` and untyped `__ksym` externs resolve to: the running kernel's configuration
 * (`/proc/config.gz`, else `/boot/config-<release>`), its version, and `/proc/kallsyms`.
 *
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { NotFoundError } from '../errors.js';
import { parseKconfig } from '../obj/kconfig.js';

let config: Map<string, string> | undefined;

/** The release string (`uname -r`). */
export function kernelRelease(): string {
  return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
}

/**
 * The running kernel's configuration, read once (parsed by obj's {@link parseKconfig}), or
 * `undefined` when neither source exists.
 */
export function kernelConfig(): Map<string, string> | undefined {
  if (config !== undefined) return config;
  if (existsSync('/proc/config.gz')) {
    config = parseKconfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
    return config;
  }
  const boot = `/boot/config-${kernelRelease()}`;
  if (existsSync(boot)) {
    config = parseKconfig(readFileSync(boot, 'utf8'));
    return config;
  }
  return undefined;
}

/** `LINUX_KERNEL_VERSION` as libbpf computes it: `KERNEL_VERSION(a, b, min(c, 255))`. */
export function linuxKernelVersion(release = kernelRelease()): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (m === null) return 0;
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(Number(m[3] ?? 0), 255);
}

let kallsyms: Map<string, bigint> | undefined;

/**
 * The address of kernel symbol `name` from `/proc/kallsyms` (`module:name` picks a module's).
 *
 * @throws {@link NotFoundError} when no such symbol is listed (or addresses are hidden as 0).
 */
export function kallsymsAddress(name: string): bigint {
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
  const addr = kallsyms.get(name);
  if (addr === undefined || addr === 0n)
    throw new NotFoundError(`kernel symbol ${name}: not in /proc/kallsyms (or addresses hidden)`);
  return addr;
}
