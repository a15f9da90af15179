/**
 * The number of possible CPUs: how many values a per-CPU map holds per key, and how many
 * buffers a perf event array needs.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { TsbpfError } from '../errors.js';

let cached: number | undefined;

/**
 * Parses a kernel CPU list (`0-3,5,7-8`) into the count of CPUs it names, counting up to the
 * highest one as the kernel sizes per-CPU values (`num_possible_cpus()` is `highest + 1` on
 * every architecture tsbpf supports).
 *
 * @throws {@link TsbpfError} for text that is not a CPU list.
 */
export function parseCpuList(text: string): number {
  let highest = -1;
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw new TsbpfError(`CPU list: cannot parse '${part}' in '${text.trim()}'`);
    highest = Math.max(highest, Number(m[2] ?? m[1]));
  }
  return highest + 1;
}

/**
 * The count of possible CPUs, from `/sys/devices/system/cpu/possible` (read once).
 *
 * @throws {@link TsbpfError} when the file cannot be read or parsed.
 */
export function possibleCpus(): number {
  if (cached === undefined) {
    let text: string;
    try {
      text = readFileSync('/sys/devices/system/cpu/possible', 'utf8');
    } catch (err) {
      throw new TsbpfError('cannot read /sys/devices/system/cpu/possible', { cause: err });
    }
    cached = parseCpuList(text);
  }
  return cached;
}
