/**
 * `tsbpf gen min_core_btf INPUT OUTPUT OBJECT...` (bpftool's grammar): of a kernel's BTF, only
 * the types the objects' CO-RE relocations reach. A BTF file gives a BTF file (for vmlinux, the
 * bytes bpftool 7.1 writes); a directory laid out like /sys/kernel/btf, or a merged split blob
 * on a base (`-B VMLINUX`), gives a directory with a minimized vmlinux and the minimized split
 * BTF of each module the relocations reach.
 * @module
 */
import { chmodSync, lstatSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Spec } from '../btf/spec.js';
import { type CandidateSource, specCandidateSource } from '../core/candidates.js';
import { type CoreObject, readCoreObject } from '../core/object-relocations.js';
import type { CandidatePolicy } from '../core/relocator.js';
import { IoError, inObject, UsageError } from '../errors.js';
import { type MinCoreBtfResult, minimizeCoreBtf } from '../gen/min-core-btf.js';
import { displayPath } from '../io/display-path.js';
import { refuseOutputOverInput } from '../io/file-identity.js';
import { ioError } from '../io/io-error.js';
import { writeOutput } from '../io/output-file.js';
import { openBtfFile, readBytes } from '../kernel/btf-file.js';
import type { Command, GlobalOptions, Io } from './command.js';
import { jsonText } from './json-out.js';
import { progress } from './progress.js';

const USAGE = `Usage: tsbpf gen min_core_btf INPUT OUTPUT OBJECT... [--candidates vmlinux-first|all]
       tsbpf -B VMLINUX gen min_core_btf BLOB OUTPUT OBJECT...

Writes the BTF that the CO-RE relocations of the BPF objects need, and nothing else: the types
and members each relocation reaches in the kernel's BTF, as loading would decide them (bpftool's
min_core_btf, extended to modules). Shipped beside a CO-RE tool, it stands in for the BTF of a
kernel that publishes none.

INPUT is one of:
  a BTF file (raw, or an ELF's .BTF)   vmlinux: OUTPUT is one BTF file, the bytes bpftool 7.1
                                       writes for the same input and objects
  a directory like /sys/kernel/btf     vmlinux and module files: OUTPUT is a directory holding
                                       a minimized vmlinux and, split on it, the minimized BTF of
                                       each module the relocations reach
  split BTF with -B VMLINUX            a module's, or a blob written by 'tsbpf btf merge':
                                       OUTPUT is a directory as above
OUTPUT must not exist; it appears complete or not at all. 'tsbpf core explain --btf-dir OUTPUT'
(and 'tsbpf load --btf-dir OUTPUT') decide every relocation of the objects as on INPUT.

Options:
  --candidates P   vmlinux-first (default, libbpf's rule) or all (every object's candidates)
  -h, --help       this help
`;

interface Args {
  input: string;
  output: string;
  objects: string[];
  candidates: CandidatePolicy;
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  let candidates: CandidatePolicy = 'vmlinux-first';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === '--candidates') {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v !== 'vmlinux-first' && v !== 'all')
        throw new UsageError(`--candidates: expected vmlinux-first or all, not '${v ?? ''}'`);
      candidates = v;
    } else if (a.startsWith('-') && a.length > 1) {
      throw new UsageError(`gen min_core_btf: unknown option '${a}'`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length < 3) {
    const missing = ['INPUT', 'OUTPUT', 'OBJECT'][positional.length]!;
    throw new UsageError(`gen min_core_btf: missing ${missing}`);
  }
  const [input, output, ...objects] = positional;
  return { input: input!, output: output!, objects, candidates };
}

/** Refuses an OUTPUT that exists (even as a dangling symlink). */
function refuseExisting(path: string): void {
  let exists = true;
  try {
    lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(displayPath(path), 'check', err);
    exists = false;
  }
  if (exists) throw new IoError(displayPath(path), 'already exists; give an OUTPUT that does not');
}

/**
 * Writes `files` as a new directory `path`: into a temporary directory beside it, renamed into
 * place once complete; removed on any failure.
 */
function writeNewDirectory(path: string, files: readonly { name: string; bytes: Uint8Array }[]): void {
  let tmp: string;
  try {
    tmp = mkdtempSync(join(dirname(path), `.${basename(path)}.tmp-`));
  } catch (err) {
    throw ioError(displayPath(path), 'create', err);
  }
  try {
    for (const f of files) writeFileSync(join(tmp, f.name), f.bytes, { mode: 0o644 });
    chmodSync(tmp, 0o755);
    refuseExisting(path);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof IoError) throw err;
    throw ioError(displayPath(path), 'write', err);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The target BTF per INPUT: the base, the candidate source, and whether OUTPUT is a directory. */
async function target(args: Args, options: GlobalOptions): Promise<{ base: Spec; source: CandidateSource; split: boolean }> {
  if (isDirectory(args.input)) {
    // The registry (and the syscall layer behind it) is loaded only for a directory.
    const { KernelRegistry } = await import('../kernel/registry.js');
    const registry = new KernelRegistry({ dir: args.input, strict: options.strict });
    const modules = args.candidates === 'all' ? 'always' : 'if-none-in-vmlinux';
    return { base: registry.vmlinux(), source: registry.candidateSource({ modules }), split: true };
  }
  const spec = await openBtfFile(args.input, {
    ...(options.baseBtf !== undefined ? { base: options.baseBtf } : {}),
    validate: true,
  });
  if (spec.base === undefined) {
    return { base: spec, source: specCandidateSource([{ name: 'vmlinux', spec }]), split: false };
  }
  const name = basename(args.input).replace(/\.(btf|raw|ko)$/, '');
  const source = specCandidateSource([
    { name: 'vmlinux', spec: spec.base },
    { name, spec },
  ]);
  return { base: spec.base, source, split: true };
}

function summary(result: MinCoreBtfResult, output: string): string {
  const parts = [`vmlinux ${result.base.types} types, ${result.base.bytes.byteLength} bytes`];
  for (const m of result.modules) parts.push(`${m.name} ${m.types} types, ${m.bytes.byteLength} bytes`);
  const none = result.withoutRelocations.length > 0 ? ` (no CO-RE relocations: ${result.withoutRelocations.join(', ')})` : '';
  return `${output}: ${result.relocations} relocations${none}: ${parts.join('; ')}\n`;
}

/** `tsbpf gen min_core_btf`. */
export const genMinCoreBtf: Command = {
  usage: USAGE,
  async run(argv: string[], options: GlobalOptions, io: Io): Promise<number> {
    const args = parseArgs(argv);
    refuseExisting(args.output);
    refuseOutputOverInput([args.output], [args.input, ...args.objects]);
    const objects: { name: string; core: CoreObject }[] = args.objects.map((path) => {
      try {
        return { name: displayPath(path), core: readCoreObject(readBytes(path)) };
      } catch (err) {
        throw inObject(err, displayPath(path));
      }
    });
    const shown = progress(io, options);
    shown.phase('min_core_btf: reading the target BTF');
    const { base, source, split } = await target(args, options);
    shown.phase(
      `min_core_btf: relocating ${objects.length} object${objects.length === 1 ? '' : 's'} and keeping what they reach`,
    );
    const result = minimizeCoreBtf(base, objects, source, { candidates: args.candidates });
    shown.clear();
    if (!split) {
      await writeOutput(args.output, result.base.bytes);
    } else {
      writeNewDirectory(args.output, [
        { name: 'vmlinux', bytes: result.base.bytes },
        ...result.modules.map((m) => ({ name: m.name, bytes: m.bytes })),
      ]);
    }
    if (options.json) {
      const doc = {
        output: args.output,
        relocations: result.relocations,
        objects: [result.base, ...result.modules].map((m) => ({ name: m.name, types: m.types, bytes: m.bytes.byteLength })),
      };
      io.out(jsonText(doc, options.pretty));
    } else {
      io.out(summary(result, args.output));
    }
    return 0;
  },
};
