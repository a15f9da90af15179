/**
 * tracefs and the perf PMUs of dynamic probes: where tracepoint IDs and the kprobe/uprobe PMU
 * types are read from.
 *
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { NotFoundError, NotSupportedError } from '../errors.js';

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/**
 * The tracefs mount point.
 *
 * @throws {@link NotSupportedError} when tracefs is mounted at neither usual place.
 */
export function tracefs(): string {
  for (const dir of TRACEFS) if (existsSync(`${dir}/events`)) return dir;
  throw new NotSupportedError(`tracefs is not mounted at ${TRACEFS.join(' or ')}`);
}

/**
 * The ID of tracepoint `category/name` (as perf_event_open's `config`).
 *
 * @throws {@link NotFoundError} for a tracepoint the kernel does not have.
 */
export function tracepointId(category: string, name: string): bigint {
  if (!/^[\w.-]+$/.test(category) || !/^[\w.-]+$/.test(name))
    throw new NotFoundError(`tracepoint '${category}/${name}': not a tracepoint name`);
  const path = `${tracefs()}/events/${category}/${name}/id`;
  try {
    return BigInt(readFileSync(path, 'utf8').trim());
  } catch (err) {
    throw new NotFoundError(`tracepoint ${category}/${name}: not found (${path})`, { cause: err });
  }
}

/**
 * The dynamic PMU type of `kprobe` or `uprobe` and the config bit of its return probes.
 *
 * @throws {@link NotSupportedError} where the kernel has no such PMU (before Linux 4.17).
 */
export function probePmu(kind: 'kprobe' | 'uprobe'): { type: number; retprobeBit: number } {
  const dir = `/sys/bus/event_source/devices/${kind}`;
  try {
    const type = Number(readFileSync(`${dir}/type`, 'utf8').trim());
    const format = readFileSync(`${dir}/format/retprobe`, 'utf8').trim(); // "config:0"
    const bit = Number(/config:(\d+)/.exec(format)?.[1] ?? 0);
    return { type, retprobeBit: bit };
  } catch {
    const config = kind === 'kprobe' ? 'CONFIG_KPROBES' : 'CONFIG_UPROBE_EVENTS';
    throw new NotSupportedError(
      `${kind}s are not available: no ${kind} PMU in ${dir} (a kernel without ${config}, or older than 4.17)`,
    );
  }
}
