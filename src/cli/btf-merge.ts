/**
 * `tsbpf btf merge`: kernel modules' split BTF merged into one split BTF on their vmlinux.
 * @module
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type MergeInput, merge } from '../btf/merge.js';
import type { Spec } from '../btf/spec.js';
import { TsbpfError, UsageError } from '../errors.js';
import { displayName, displayPath, utf8 } from '../io/display-path.js';
import { refuseOutputOverInput } from '../io/file-identity.js';
import { writeOutput } from '../io/output-file.js';
import { whyNotModuleFile } from '../kernel/btf-directory.js';
import { openBtfFile } from '../kernel/btf-file.js';
import type { Command } from './command.js';
import { jsonText } from './json-out.js';
import { progress } from './progress.js';
import { warningPrinter } from './warnings.js';
import { parseWriterArgs, writerOptions } from './writer-args.js';

const USAGE = `Usage: tsbpf btf merge <MODULE|DIR>... [-B <VMLINUX>] -o <OUT> [--no-dedup]

Merges the split BTF of kernel modules into one split BTF on their base (vmlinux), with the
types the modules share written once (deduplicated across modules and against the base).
A MODULE is raw split BTF or a module's .ko (its .BTF section); a DIR is laid out like
/sys/kernel/btf: every regular file in it but vmlinux is a module, and with no -B its
vmlinux is the base. OUT is written only if the whole merge succeeds; it may be '-'
(standard output) or a device, but never one of the inputs or the base.

What a DIR holds that is not a module's BTF (subdirectories, FIFOs, devices, BTF that is
broken or built on another vmlinux) is skipped with a warning, and the summary counts it;
with --strict the first broken module is an error. A MODULE named on the command line must
be good.

Prints one line: inputs, types before, types after, bytes (on standard error when OUT is
standard output).

${writerOptions('VMLINUX', 'OUT', [
  ['      --no-dedup', "append the modules' types without deduplicating"],
  ['      --strict', 'fail on a broken module in a DIR instead of skipping it'],
])}`;

/** One module file to merge, and whether it was found in a directory (then it may be skipped). */
export interface MergePath {
  path: string;
  fromDir: boolean;
}

/**
 * The files a module argument stands for: itself, or a directory's regular files but `vmlinux`
 * and hidden files, sorted by name. An entry that cannot be BTF (a subdirectory, a FIFO, a
 * device, a dangling symlink, a name that is not UTF-8) is skipped, and `warn` is told why.
 */
export function expandInputs(
  inputs: readonly string[],
  warn: (message: string) => void = () => {},
): { paths: string[]; entries: MergePath[]; dirBase: string | undefined; skipped: number } {
  const entries: MergePath[] = [];
  let dirBase: string | undefined;
  let skipped = 0;
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // a missing file is reported when it is read
    }
    if (!isDir) {
      entries.push({ path: input, fromDir: false });
      continue;
    }
    const files: string[] = [];
    for (const e of readdirSync(input, { withFileTypes: true, encoding: 'buffer' })) {
      const f = utf8(e.name);
      if (f === undefined) {
        warn(`${displayPath(input)}/${displayName(e.name)}: skipped: the file name is not valid UTF-8`);
        skipped++;
        continue;
      }
      if (f.startsWith('.')) continue;
      if (e.isDirectory()) {
        warn(`${displayPath(join(input, f))}: skipped: a directory (only the files of ${displayPath(input)} are modules)`);
        skipped++;
        continue;
      }
      if (f === 'vmlinux') {
        dirBase ??= join(input, f);
        continue;
      }
      const why = whyNotModuleFile(input, f, e);
      if (why !== undefined) {
        warn(`${displayPath(join(input, f))}: skipped: ${why}`);
        skipped++;
      } else files.push(f);
    }
    for (const f of files.sort()) entries.push({ path: join(input, f), fromDir: true });
  }
  return { paths: entries.map((e) => e.path), entries, dirBase, skipped };
}

/**
 * Opens and checks one module's BTF on `base` (a `.ko` on a distilled base is relocated onto it).
 * @throws {BtfError} naming the file, and saying when it looks built on another vmlinux.
 */
export function openModule(path: string, base: Spec, baseName?: string): Promise<Spec> {
  return openBtfFile(path, { base, validate: true, ...(baseName !== undefined ? { baseName } : {}) });
}

export const btfMerge: Command = {
  usage: USAGE,
  async run(args, options, io) {
    const noDedup = args.includes('--no-dedup');
    const parsed = parseWriterArgs(
      'merge',
      args.filter((a) => a !== '--no-dedup'),
      options,
    );
    if (parsed.out === undefined) throw new UsageError('btf merge: missing -o <OUT>');
    const warnings = warningPrinter(io);
    const { entries, dirBase, skipped: notModules } = expandInputs(parsed.inputs, (m) => warnings.warn(m));
    const basePath = parsed.base ?? dirBase;
    if (basePath === undefined) throw new UsageError('btf merge: missing -B <VMLINUX>');
    if (entries.length === 0) throw new UsageError('btf merge: no module inputs');
    refuseOutputOverInput([parsed.out], [basePath, ...entries.map((e) => e.path)]);
    const base = await openBtfFile(basePath);
    const shown = progress(io, options);
    const modules: MergeInput[] = [];
    let broken = 0;
    for (const [i, { path, fromDir }] of entries.entries()) {
      try {
        modules.push({ name: path, spec: await openModule(path, base, displayPath(basePath)) });
      } catch (err) {
        // A module found in a directory may be skipped; one named on the command line may not.
        if (!fromDir || options.strict || !(err instanceof TsbpfError)) throw err;
        shown.clear();
        warnings.warn(`${err.message} (skipped)`);
        broken++;
      }
      shown.count('merge: read modules', i + 1, entries.length);
    }
    warnings.flush();
    if (modules.length === 0) throw new TsbpfError(`btf merge: no module left to merge (${broken + notModules} skipped)`);
    shown.phase(`merge: ${noDedup ? 'appending' : 'deduplicating'} ${modules.length} modules' types`);
    const result = merge(base, modules, { noDedup });
    shown.clear();
    const bytes = result.builder.marshal();
    const plan = await writeOutput(parsed.out, bytes, { stdout: (c) => io.out(c) });
    const say = plan.kind === 'stdout' ? (s: string) => io.err(s.slice(0, -1)) : (s: string) => io.out(s);
    const skipped = broken + notModules;
    if (options.json) {
      say(
        jsonText(
          {
            inputs: result.inputs,
            skipped,
            typesBefore: result.typesBefore,
            typesAfter: result.typesAfter,
            bytes: bytes.byteLength,
          },
          options.pretty,
        ),
      );
    } else {
      const also = skipped > 0 ? ` (${skipped} skipped${broken > 0 ? `, ${broken} of them broken BTF` : ''})` : '';
      say(
        `merged ${result.inputs} inputs${also}: ${result.typesBefore} types before, ${result.typesAfter} after, ${bytes.byteLength} bytes -> ${parsed.out}\n`,
      );
    }
    return 0;
  },
};
