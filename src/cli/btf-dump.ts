/**
 * `tsbpf btf dump file <PATH> [format raw|json]`.
 * @module
 */
import { writeJson } from '../btf/format/json.js';
import { writeRaw } from '../btf/format/raw.js';
import type { Spec } from '../btf/spec.js';
import { UsageError } from '../errors.js';
import { loadSpecFile } from '../kernel/spec-file.js';
import { type Command, type GlobalOptions, type Io, isPrefix, matchWord } from './command.js';

const USAGE = `Usage: tsbpf btf dump file <PATH> [format raw|json]
       tsbpf [-B <BASE>] btf dump file <PATH> ...

Dumps the types of a BTF file: raw BTF, or the .BTF section of an ELF file (a module's .ko,
a BPF object, vmlinux). 'format raw' (the default) prints what 'bpftool btf dump ... format raw'
prints, byte for byte; 'format json' (or -j) prints bpftool's JSON document {"types":[...]}.

Split BTF (a kernel module's) needs its base: -B, --base-btf <BASE>. For a file in
/sys/kernel/btf other than vmlinux, the base defaults to /sys/kernel/btf/vmlinux.

Options:
  -B, --base-btf <PATH>   base BTF for split input
  -j, --json              same as 'format json'
  -h, --help              this help
`;

/** Parses `file <PATH> [format raw|json]` into the path and the format. */
export function parseDumpArgs(args: string[], options: GlobalOptions): { source: string; format: 'raw' | 'json' } {
  const [kw, path, ...rest] = args;
  if (kw === undefined) throw new UsageError('btf dump: missing source (file <PATH>)');
  matchWord(kw, [{ name: 'file' }], 'dump source');
  if (path === undefined) throw new UsageError('btf dump file: missing <PATH>');
  let format: 'raw' | 'json' = options.json ? 'json' : 'raw';
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (!isPrefix(word, 'format')) throw new UsageError(`btf dump: unexpected argument '${word}'`);
    const value = rest.shift();
    if (value === undefined) throw new UsageError('btf dump: format needs a value (raw or json)');
    const f = matchWord(value, [{ name: 'raw' as const }, { name: 'json' as const }, { name: 'c' as const }], 'format');
    if (f.name === 'c') throw new UsageError("btf dump: format 'c' is not supported yet; use raw or json");
    format = f.name;
  }
  return { source: path, format };
}

/** Writes `spec` in `format` to standard output. */
export function dumpSpec(spec: Spec, format: 'raw' | 'json', io: Io): void {
  if (format === 'json') writeJson(spec, (c) => io.out(c));
  else writeRaw(spec, (c) => io.out(c));
}

export const btfDump: Command = {
  name: 'dump',
  summary: 'dump the types of a BTF file',
  usage: USAGE,
  run(args, options, io) {
    const { source, format } = parseDumpArgs(args, options);
    const spec = loadSpecFile(source, options.baseBtf !== undefined ? { base: options.baseBtf } : {});
    try {
      spec.validate();
    } catch (err) {
      if (err instanceof Error) err.message = `${source}: ${err.message}`;
      throw err;
    }
    dumpSpec(spec, format, io);
    return 0;
  },
};
