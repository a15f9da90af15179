/**
 * `tsbpf btf list`: the BTF objects loaded in the kernel, as `bpftool btf list` prints them.
 * @module
 */
import { UsageError } from '../errors.js';
import { listBtfObjects } from '../kernel/btf-objects.js';
import type { HandleInfo } from '../kernel/handle.js';
import type { Command } from './command.js';

const USAGE = `Usage: tsbpf btf list [-j|-p]

Lists the BTF objects loaded in the kernel: vmlinux, each module's, and those loaded by
processes, one line each as 'bpftool btf list' prints them:

  1: name [vmlinux]  size 5516713B

Kernel BTF names are bracketed; BTF loaded by a process shows its name, or <anon>.
-j prints an array of {id, name, size, kernel}. Needs root (CAP_SYS_ADMIN).
`;

/** One object in bpftool's plain format (without the program, map and process references). */
export function formatBtfObject(info: HandleInfo): string {
  const name = info.kernelBtf ? `name [${info.name}]  ` : info.name !== '' ? `name ${info.name}  ` : 'name <anon>  ';
  return `${info.id}: ${name}size ${info.size}B`;
}

export const btfList: Command = {
  usage: USAGE,
  run(args, options, io) {
    if (args.length > 0) throw new UsageError(`btf list: unexpected argument '${args[0]}'`);
    const objects = listBtfObjects();
    if (options.json) {
      const rows = objects.map((o) => ({ id: o.id, name: o.name, size: o.size, kernel: o.kernelBtf }));
      io.out(`${options.pretty ? JSON.stringify(rows, null, 2) : JSON.stringify(rows)}\n`);
    } else {
      for (const o of objects) io.out(`${formatBtfObject(o)}\n`);
    }
    return 0;
  },
};
