/**
 * `tsbpf btf dump` of several BTF objects as one C header (bpftool's spelling):
 *
 *   btf dump file <VMLINUX> file <MOD>... format c
 *   btf dump kernel module <NAME>... format c      (module all: every module)
 *
 * vmlinux's types and the modules', each once: the modules' split BTF is merged onto vmlinux
 * and deduplicated before it is written (`src/btf/format/c-modules.ts`).
 * @module
 */
import type { Spec } from '../btf/spec.js';
import { inObject, NotFoundError, UsageError } from '../errors.js';
import { openBtfFile } from '../kernel/btf-file.js';
import { tuneV8ForCHeader } from './c-header-flags.js';
import { type GlobalOptions, type Io, isPrefix } from './command.js';
import { type Progress, progress } from './progress.js';

/** What a several-object dump names. */
type ModulesSource = { kind: 'files'; paths: string[] } | { kind: 'kernel'; modules: string[] | 'all' };

/**
 * Whether `args` (after `btf dump`) name several objects: two or more `file <PATH>`, or
 * `kernel module ...`.
 */
export function isModulesDump(args: readonly string[]): boolean {
  if (args.length >= 2 && isPrefix(args[0]!, 'kernel') && isPrefix(args[1]!, 'module')) return true;
  let files = 0;
  for (let i = 0; i + 1 < args.length && isPrefix(args[i]!, 'file'); i += 2) files++;
  return files >= 2;
}

function parse(args: readonly string[], options: GlobalOptions): ModulesSource {
  const rest = [...args];
  let source: ModulesSource;
  if (isPrefix(rest[0]!, 'kernel')) {
    rest.splice(0, 2);
    const names: string[] = [];
    while (rest.length > 0 && !isPrefix(rest[0]!, 'format')) names.push(rest.shift()!);
    if (names.length === 0) throw new UsageError('btf dump kernel module: missing <NAME>... (or all)');
    source = { kind: 'kernel', modules: names.length === 1 && names[0] === 'all' ? 'all' : names };
  } else {
    const paths: string[] = [];
    while (rest.length >= 2 && isPrefix(rest[0]!, 'file')) {
      paths.push(rest[1]!);
      rest.splice(0, 2);
    }
    source = { kind: 'files', paths };
  }
  let format = options.json ? 'json' : 'raw';
  if (rest.length > 0) {
    if (!isPrefix(rest[0]!, 'format') || rest.length !== 2) throw new UsageError(`btf dump: unexpected argument '${rest[0]}'`);
    format = 'c'.startsWith(rest[1]!) && rest[1] !== '' ? 'c' : rest[1]!;
  }
  if (format !== 'c') {
    throw new UsageError(`btf dump: several BTF objects are dumped as one C header only: add 'format c' (not ${format})`);
  }
  return source;
}

/** Opens vmlinux and the modules a several-object dump names. */
async function open(
  source: ModulesSource,
  options: GlobalOptions,
  shown: Progress,
): Promise<{ base: Spec; modules: { name: string; spec: Spec }[] }> {
  if (source.kind === 'files') {
    const [first, ...others] = source.paths;
    const base = await openBtfFile(options.baseBtf ?? first!, { validate: true });
    if (base.base !== undefined)
      throw new UsageError(`btf dump: ${options.baseBtf ?? first} is split BTF; give vmlinux first (or -B)`);
    const modulePaths = options.baseBtf !== undefined ? source.paths : others;
    const modules = [];
    for (const path of modulePaths) {
      const spec = await openBtfFile(path, { base, validate: true });
      if (spec.base !== base) throw new UsageError(`btf dump: ${path} is base BTF, and only the first file may be`);
      modules.push({ name: path, spec });
      shown.count('dump: read modules', modules.length, modulePaths.length);
    }
    return { base, modules };
  }
  const { KernelRegistry } = await import('../kernel/registry.js');
  const registry = new KernelRegistry({
    ...(options.btfDir !== undefined ? { dir: options.btfDir } : {}),
    strict: options.strict,
  });
  const base = registry.vmlinux();
  const names = source.modules === 'all' ? registry.modules().sort() : source.modules;
  const unknown = source.modules === 'all' ? [] : names.filter((n) => !registry.hasModule(n));
  if (unknown.length > 0) {
    throw new NotFoundError(`${unknown.map((n) => `module ${n}`).join(', ')}: no BTF in ${registry.source}`);
  }
  const unique = [...new Set(names)];
  const modules = unique.map((name, i) => {
    try {
      const spec = registry.module(name);
      spec.validate();
      shown.count('dump: read modules', i + 1, unique.length);
      return { name, spec };
    } catch (err) {
      throw inObject(err, `module ${name}`);
    }
  });
  return { base, modules };
}

/** `btf dump` of several objects as one C header. */
export async function dumpWithModules(args: readonly string[], options: GlobalOptions, io: Io): Promise<number> {
  const source = parse(args, options);
  const shown = progress(io, options);
  const { base, modules } = await open(source, options, shown);
  const { writeCWithModules } = await import('../btf/format/c-modules.js');
  tuneV8ForCHeader();
  shown.phase(`dump: deduplicating ${modules.length} modules' types against vmlinux`);
  let cleared = false;
  writeCWithModules(base, modules, (c) => {
    if (!cleared) shown.clear();
    cleared = true;
    io.out(c);
  });
  shown.clear();
  return 0;
}
