/**
 * `tsbpf btf merge`: kernel modules' split BTF merged into one split BTF on their vmlinux.
 * @module
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type MergeInput, merge } from '../btf/merge.js';
import type { Spec } from '../btf/spec.js';
import { UsageError } from '../errors.js';
import { displayName, displayPath, utf8 } from '../io/display-path.js';
import { refuseOutputOverInput } from '../io/file-identity.js';
import { writeOutput } from '../io/output-file.js';
import { whyNotModuleFile } from '../kernel/btf-directory.js';
import { openBtfFile } from '../kernel/btf-file.js';
import type { Command } from './command.js';
import { warningPrinter } from './warnings.js';
import { parseWriterArgs } from './writer-args.js';

const USAGE = `Usage: tsbpf btf merge --base <VMLINUX> <MODULE>... -o <OUT>
       tsbpf -B <VMLINUX> btf merge <MODULE>... out <OUT>

Merges the split BTF of kernel modules into one split BTF on their base (vmlinux), with the
types the modules share written once (deduplicated across modules and against the base).
A MODULE is raw split BTF, a module's .ko (its .BTF section), or a directory laid out like
/sys/kernel/btf (every file in it but vmlinux). With a directory and no base, the directory's
vmlinux is the base. OUT is written only if the whole merge succeeds; it may be '-' (standard
output) or a device, but never one of the inputs or the base.

Prints one line: inputs, types before, types after, bytes (on standard error when OUT is
standard output).

Options:
  --base, -B <VMLINUX>   the base BTF all modules were built on (also: base <VMLINUX>)
  -o, --output <OUT>     where to write the merged split BTF (also: out <OUT>)
      --no-dedup         append the modules' types without deduplicating
  -h, --help             this help
`;

/**
 * The files a module argument stands for: itself, or a directory's regular files but `vmlinux`
 * and hidden files, sorted by name. An entry that cannot be BTF (a FIFO, a device, a dangling
 * symlink, a name that is not UTF-8) is skipped, and `warn` is told why.
 */
export function expandInputs(
  inputs: readonly string[],
  warn: (message: string) => void = () => {},
): { paths: string[]; dirBase: string | undefined } {
  const paths: string[] = [];
  let dirBase: string | undefined;
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // a missing file is reported when it is read
    }
    if (!isDir) {
      paths.push(input);
      continue;
    }
    const files: string[] = [];
    for (const e of readdirSync(input, { withFileTypes: true, encoding: 'buffer' })) {
      const f = utf8(e.name);
      if (f === undefined) {
        warn(`${displayPath(input)}/${displayName(e.name)}: skipped: the file name is not valid UTF-8`);
        continue;
      }
      if (f.startsWith('.') || e.isDirectory()) continue;
      if (f === 'vmlinux') {
        dirBase ??= join(input, f);
        continue;
      }
      const why = whyNotModuleFile(input, f, e);
      if (why !== undefined) warn(`${displayPath(join(input, f))}: skipped: ${why}`);
      else files.push(f);
    }
    for (const f of files.sort()) paths.push(join(input, f));
  }
  return { paths, dirBase };
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
    const { paths, dirBase } = expandInputs(parsed.inputs, (m) => warnings.warn(m));
    warnings.flush();
    const basePath = parsed.base ?? dirBase;
    if (basePath === undefined) throw new UsageError('btf merge: missing --base <VMLINUX>');
    if (paths.length === 0) throw new UsageError('btf merge: no module inputs');
    refuseOutputOverInput([parsed.out], [basePath, ...paths]);
    const base = await openBtfFile(basePath);
    // A status line on a terminal when there is enough to wait for; one update per 1% of inputs.
    const status = paths.length >= 50 ? io.status?.bind(io) : undefined;
    const step = Math.max(1, Math.ceil(paths.length / 100));
    const modules: MergeInput[] = [];
    for (const [i, p] of paths.entries()) {
      modules.push({ name: p, spec: await openModule(p, base, displayPath(basePath)) });
      if (status && ((i + 1) % step === 0 || i + 1 === paths.length)) status(`merge: read ${i + 1}/${paths.length} modules`);
    }
    status?.(`merge: deduplicating ${modules.length} modules' types`);
    const result = merge(base, modules, { noDedup });
    status?.('');
    const bytes = result.builder.marshal();
    const plan = await writeOutput(parsed.out, bytes, { stdout: (c) => io.out(c) });
    const say = plan.kind === 'stdout' ? (s: string) => io.err(s.slice(0, -1)) : (s: string) => io.out(s);
    if (options.json) {
      say(
        `${JSON.stringify({ inputs: result.inputs, typesBefore: result.typesBefore, typesAfter: result.typesAfter, bytes: bytes.byteLength })}\n`,
      );
    } else {
      say(
        `merged ${result.inputs} inputs: ${result.typesBefore} types before, ${result.typesAfter} after, ${bytes.byteLength} bytes -> ${parsed.out}\n`,
      );
    }
    return 0;
  },
};
