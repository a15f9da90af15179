/**
 * `tsbpf btf dump file <PATH> | id <ID> | module <NAME> | kernel [format raw|json|c]`.
 * @module
 */
import { writeRaw } from '../btf/format/raw.js';
import type { Spec } from '../btf/spec.js';
import { inObject, TsbpfError, UsageError } from '../errors.js';
import { openBtfFile } from '../kernel/btf-file.js';
import { dumpWithModules, isModulesDump } from './btf-dump-modules.js';
import { tuneV8ForCHeader } from './c-header-flags.js';
import { type Command, didYouMean, type GlobalOptions, type Io, isPrefix, matchWord } from './command.js';

const USAGE = `Usage: tsbpf btf dump SOURCE [format raw|json|c]
       tsbpf btf dump file <VMLINUX> file <MOD>... format c
       tsbpf btf dump kernel module <NAME>...|all format c
SOURCE := file <PATH> | id <ID> | module <NAME> | kernel

Dumps the types of:
  file <PATH>     a BTF file: raw BTF, or the .BTF section of an ELF file (a module's .ko,
                  a BPF object, vmlinux)
  id <ID>         a BTF object loaded in the kernel (needs root); a module's is dumped on
                  vmlinux's BTF, as bpftool does
  module <NAME>   a kernel module's BTF, from /sys/kernel/btf/<NAME> or --btf-dir <DIR>
  kernel          vmlinux's BTF, from /sys/kernel/btf/vmlinux or --btf-dir <DIR>

'format raw' (the default) prints what 'bpftool btf dump ... format raw' prints, byte for
byte; 'format json' (or -j) prints bpftool's JSON document {"types":[...]}; 'format c'
prints a compilable C header (vmlinux.h) as 'bpftool btf dump ... format c' does. For split
BTF, the C header holds the base's types too. Several files (vmlinux first), or the kernel
with modules, make one C header: vmlinux's types and the modules', each type once (the
modules' types are deduplicated against each other and against vmlinux).

Split BTF (a kernel module's) needs its base: -B, --base-btf <BASE>. For a file in
/sys/kernel/btf other than vmlinux, the base defaults to /sys/kernel/btf/vmlinux.

Options:
  -B, --base-btf <PATH>   base BTF for split input (file)
      --btf-dir <DIR>     a directory laid out like /sys/kernel/btf (module, kernel)
  -j, --json              same as 'format json'
  -h, --help              this help
`;

/** What `btf dump` reads. */
export type DumpSource =
  | { kind: 'file'; path: string }
  | { kind: 'id'; id: number }
  | { kind: 'module'; name: string }
  | { kind: 'kernel' };

const SOURCES = [{ name: 'file' as const }, { name: 'id' as const }, { name: 'module' as const }, { name: 'kernel' as const }];

/** Output formats of `btf dump`. */
export type DumpFormat = 'raw' | 'json' | 'c';

/** Parses `SOURCE [format raw|json|c]` into the source and the format. */
export function parseDumpArgs(args: string[], options: GlobalOptions): { source: DumpSource; format: DumpFormat } {
  const [kw, ...rest] = args;
  if (kw === undefined) throw new UsageError('btf dump: missing source (file <PATH>, id <ID>, module <NAME> or kernel)');
  const which = matchWord(kw, SOURCES, 'dump source').name;
  let source: DumpSource;
  if (which === 'kernel') {
    source = { kind: 'kernel' };
  } else {
    const value = rest.shift();
    if (value === undefined) {
      const what = which === 'file' ? '<PATH>' : which === 'id' ? '<ID>' : '<NAME>';
      throw new UsageError(`btf dump ${which}: missing ${what}`);
    }
    if (which === 'file') source = { kind: 'file', path: value };
    else if (which === 'module') source = { kind: 'module', name: value };
    else {
      if (!/^[0-9]+$/.test(value) || Number(value) > 0xffffffff)
        throw new UsageError(`btf dump id: not a BTF object ID: '${value}'`);
      source = { kind: 'id', id: Number(value) };
    }
  }
  let format: DumpFormat = options.json ? 'json' : 'raw';
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (!isPrefix(word, 'format')) {
      const hint = didYouMean(word, ['format']) !== undefined ? " (did you mean 'format'?)" : '';
      throw new UsageError(`btf dump: unexpected argument '${word}'${hint}`);
    }
    const value = rest.shift();
    if (value === undefined) throw new UsageError('btf dump: format needs a value (raw, json or c)');
    const f = matchWord(value, [{ name: 'raw' as const }, { name: 'json' as const }, { name: 'c' as const }], 'format');
    // As bpftool: -j/-p make the raw dump JSON, and have no C form.
    if (f.name === 'c' && options.json) throw new UsageError('btf dump: format c has no JSON form (-j/-p)');
    format = f.name === 'raw' && options.json ? 'json' : f.name;
  }
  return { source, format };
}

/** Writes `spec` in `format` to standard output; JSON laid out as bpftool's `-p` with `pretty`. */
export async function dumpSpec(spec: Spec, format: DumpFormat, io: Io, pretty = false): Promise<void> {
  if (format === 'json' && pretty) {
    const { prettyJson } = await import('./json-out.js');
    const layout = prettyJson((c) => io.out(c));
    const decoder = new TextDecoder();
    (await import('../btf/format/json.js')).writeJson(spec, (c) => layout.write(decoder.decode(c, { stream: true })));
    layout.write(decoder.decode());
    layout.end();
  } else if (format === 'json') (await import('../btf/format/json.js')).writeJson(spec, (c) => io.out(c));
  else if (format === 'c') {
    tuneV8ForCHeader();
    (await import('../btf/format/c.js')).writeC(spec, (c) => io.out(c));
  } else writeRaw(spec, (c) => io.out(c));
}

export const btfDump: Command = {
  usage: USAGE,
  async run(args, options, io) {
    if (isModulesDump(args)) return dumpWithModules(args, options, io);
    const { source, format } = parseDumpArgs(args, options);
    const { spec, label } = await openSource(source, options);
    try {
      spec.validate();
    } catch (err) {
      throw inObject(err, label);
    }
    await dumpSpec(spec, format, io, options.pretty);
    return 0;
  },
};

/**
 * Opens the spec a dump source names, and a label for error messages. The kernel layer is
 * imported only for the sources that need it, which keeps `dump file` quick to start.
 */
async function openSource(source: DumpSource, options: GlobalOptions): Promise<{ spec: Spec; label: string }> {
  if (source.kind === 'file') {
    // Validated here, so a fault names the file and, for split BTF, the base it was opened on.
    const base = options.baseBtf !== undefined ? { base: options.baseBtf } : {};
    return { spec: await openBtfFile(source.path, { ...base, validate: true }), label: source.path };
  }
  const { KernelRegistry } = await import('../kernel/registry.js');
  const { Handle, isModule } = await import('../kernel/handle.js');
  const dirRegistry = () =>
    new KernelRegistry({ ...(options.btfDir !== undefined ? { dir: options.btfDir } : {}), strict: options.strict });
  switch (source.kind) {
    case 'kernel':
      return { spec: dirRegistry().vmlinux(), label: 'vmlinux' };
    case 'module':
      return { spec: dirRegistry().module(source.name), label: `module ${source.name}` };
    case 'id': {
      const handle = Handle.fromId(source.id);
      try {
        const info = handle.info();
        let base: Spec | undefined;
        if (isModule(info)) base = dirRegistry().vmlinux();
        else if (options.baseBtf !== undefined) base = await openBtfFile(options.baseBtf);
        const label = `BTF object ${info.id}${info.name ? ` (${info.name})` : ''}`;
        if (!isModule(info) && base !== undefined && info.kernelBtf) {
          throw new TsbpfError(`${label} is base BTF; -B does not apply`);
        }
        return { spec: handle.spec(base), label };
      } finally {
        handle.close();
      }
    }
  }
}
