/**
 * `tsbpf btf {list|show} [id <ID>]`: the BTF objects loaded in the kernel, as `bpftool btf list`
 * prints them.
 * @module
 */
import { NotFoundError, UsageError } from '../errors.js';
import { listBtfObjects, objectInfo } from '../kernel/btf-objects.js';
import type { HandleInfo } from '../kernel/handle.js';
import { type BtfReferences, btfReferences } from './btf-references.js';
import { type Command, matchWord } from './command.js';
import { jsonText } from './json-out.js';

const USAGE = `Usage: tsbpf btf {list|show} [id <ID>] [-j|-p]

Lists the BTF objects loaded in the kernel: vmlinux, each module's, and those loaded by
processes (or only the object <ID>), one line each as 'bpftool btf list' prints them:

  1: name [vmlinux]  size 5516713B
  73: name <anon>  size 2019B  prog_ids 41,42  map_ids 17

Kernel BTF names are bracketed; BTF loaded by a process shows <anon>. prog_ids and map_ids
name the programs and maps that use the object (in increasing order; bpftool's order is
that of its hash table). 'btf show' is the same command.

Options:
  -j, --json     an array of {id, size, prog_ids, map_ids, kernel, name?}, as bpftool -j
  -p, --pretty   the same, laid out as bpftool -p
Needs root (CAP_SYS_ADMIN).
`;

/** One object in bpftool's plain format (without the holding processes bpftool may add). */
export function formatBtfObject(info: HandleInfo, refs?: BtfReferences): string {
  const name = info.kernelBtf ? `name [${info.name}]  ` : info.name !== '' ? `name ${info.name}  ` : 'name <anon>  ';
  let line = `${info.id}: ${name}size ${info.size}B`;
  if (refs && refs.progIds.length > 0) line += `  prog_ids ${refs.progIds.join(',')}`;
  if (refs && refs.mapIds.length > 0) line += `  map_ids ${refs.mapIds.join(',')}`;
  return line;
}

/** One object as `bpftool -j btf list` prints it: the same members, in the same order. */
export function btfObjectJson(info: HandleInfo, refs?: BtfReferences): Record<string, unknown> {
  return {
    id: info.id,
    size: info.size,
    prog_ids: refs?.progIds ?? [],
    map_ids: refs?.mapIds ?? [],
    kernel: info.kernelBtf,
    ...(info.name !== '' ? { name: info.name } : {}),
  };
}

/** Parses `[id <ID>]`. */
export function parseListArgs(args: readonly string[]): { id: number | undefined } {
  if (args.length === 0) return { id: undefined };
  matchWord(args[0]!, [{ name: 'id' }], 'btf list argument');
  const value = args[1];
  if (value === undefined) throw new UsageError('btf list id: missing <ID>');
  if (!/^[0-9]+$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`btf list id: not a BTF object ID: '${value}'`);
  if (args.length > 2) throw new UsageError(`btf list: unexpected argument '${args[2]}'`);
  return { id: Number(value) };
}

export const btfList: Command = {
  usage: USAGE,
  run(args, options, io) {
    const { id } = parseListArgs(args);
    let objects: HandleInfo[];
    if (id === undefined) objects = listBtfObjects();
    else {
      const one = objectInfo(id);
      if (!one) throw new NotFoundError(`btf list: BTF object ${id}: no such object (unloaded, or never existed)`);
      objects = [one];
    }
    const refs = btfReferences();
    if (options.json) {
      const rows = objects.map((o) => btfObjectJson(o, refs.get(o.id)));
      // As bpftool: a single object is printed alone, not in an array.
      io.out(jsonText(id === undefined ? rows : rows[0], options.pretty));
    } else {
      for (const o of objects) io.out(`${formatBtfObject(o, refs.get(o.id))}\n`);
    }
    return 0;
  },
};
