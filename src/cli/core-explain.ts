/**
 * `tsbpf core explain OBJ [--btf FILE]... [--btf-dir DIR] [--json]`: every CO-RE relocation of a
 * BPF object, decided against the running kernel's BTF (vmlinux and every module), a directory
 * laid out like /sys/kernel/btf, or BTF files, and explained: the candidates, the chosen target
 * (object, type ID, name), the old and new value, or why nothing fits.
 * @module
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Spec } from '../btf/spec.js';
import type { CandidateObject, CandidateSource } from '../core/candidates.js';
import type { AppliedFixup, CoreObject } from '../core/object-relocations.js';
import type { CandidatePolicy, ModuleTypeIdPolicy } from '../core/relocator.js';
import { inObject, UsageError } from '../errors.js';
import { readBytes, SYSFS_BTF_DIR } from '../kernel/btf-file.js';
import type { Command, GlobalOptions, Io } from './command.js';
import { jsonText } from './json-out.js';
import { progress } from './progress.js';

// What a run needs is imported when it runs, and only what its options need: a cold process
// (the usual way to run a CLI) then loads only that, which is most of its time.

const USAGE = `Usage: tsbpf core explain OBJ [--btf FILE]... [--btf-dir DIR] [OPTIONS]

Decides every CO-RE relocation of the BPF object OBJ as loading it would, and explains each:
the program (function) and instruction, the kind, the access string, the local type, the
candidates considered (with the BTF object each comes from), the chosen target (object, type ID,
name) and the old and new value, or why no candidate fits (the instruction is then poisoned, or
an existence check gives 0).

Target BTF (default: the running kernel, vmlinux and every module in /sys/kernel/btf):
  --btf FILE         raw BTF or an ELF file's .BTF; repeatable. The first base BTF given is the
                     kernel's (vmlinux); split BTF (a module's, or a merged blob written by
                     'tsbpf btf merge') is opened on it.
  --btf-dir DIR      a directory laid out like /sys/kernel/btf (vmlinux and module files)
  --candidates P     vmlinux-first (default, libbpf's rule: modules only when vmlinux has no
                     candidate) or all (cilium/ebpf's: every object's candidates together)
  --module-type-ids P  what target_type_id gives for a type in a module: id (default, its ID
                     in the module's split BTF, as libbpf) or poison (as cilium/ebpf)
  -j, --json         one JSON document: {"relocations":[{"program","insn","kind","access",
                     "local":{"id","name"},"target":{"object","id","name"}|null,"old","new","poison"}]}

A relocation that makes the object fail to load (candidates that disagree, a malformed record,
an instruction that does not hold what the record says) ends the command with exit status 1 and
a message naming the program, the relocation (libbpf's relo #N) and the instruction.
`;

/** Parsed arguments. */
interface ExplainArgs {
  object: string;
  btf: string[];
  candidates: CandidatePolicy;
  moduleTypeIds: ModuleTypeIdPolicy;
}

function parseArgs(args: readonly string[]): ExplainArgs {
  const out: ExplainArgs = { object: '', btf: [], candidates: 'vmlinux-first', moduleTypeIds: 'id' };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === '') throw new UsageError(`option ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--btf':
        out.btf.push(value());
        break;
      case '--candidates': {
        const v = value();
        if (v !== 'vmlinux-first' && v !== 'all') throw new UsageError(`--candidates: expected vmlinux-first or all, not '${v}'`);
        out.candidates = v;
        break;
      }
      case '--module-type-ids': {
        const v = value();
        if (v !== 'id' && v !== 'poison') throw new UsageError(`--module-type-ids: expected id or poison, not '${v}'`);
        out.moduleTypeIds = v;
        break;
      }
      default:
        if (a.startsWith('-') && a.length > 1) throw new UsageError(`core explain: unknown option '${a}'`);
        positional.push(a);
    }
  }
  if (positional.length !== 1)
    throw new UsageError(positional.length === 0 ? 'core explain: missing OBJ' : `core explain: unexpected '${positional[1]}'`);
  out.object = positional[0]!;
  return out;
}

function readFile(path: string): Uint8Array {
  const b = readBytes(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** An object's name from its file: `vmlinux.btf` → `vmlinux`, `/sys/kernel/btf/veth` → `veth`. */
function objectName(path: string): string {
  return basename(path).replace(/\.(btf|raw)$/, '');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Where target types come from, per the options. */
async function targetSource(args: ExplainArgs, options: GlobalOptions): Promise<CandidateSource> {
  // The registry decodes a module only when its strings hold the name searched for, and with
  // libbpf's rule searches no module at all when vmlinux has a candidate.
  const modules = args.candidates === 'all' ? 'always' : 'if-none-in-vmlinux';
  if (args.btf.length === 0) {
    const dir = options.btfDir ?? SYSFS_BTF_DIR;
    if (options.btfDir !== undefined || isDirectory(dir)) {
      // A directory needs none of the registry's live parts (object IDs, handles, bpf()).
      const { directoryCandidateSource } = await import('../kernel/core-candidates.js');
      return directoryCandidateSource(dir, { strict: options.strict, modules });
    }
    // No /sys/kernel/btf: the running kernel's BTF objects, through the registry.
    const { KernelRegistry } = await import('../kernel/registry.js');
    return new KernelRegistry({ strict: options.strict }).candidateSource({ modules });
  }
  const [{ parseHeader }, { btfSectionOf, isElf, loadSpecFromBytes }, { specCandidateSource }] = await Promise.all([
    import('../btf/header.js'),
    import('../btf/load.js'),
    import('../core/candidates.js'),
  ]);
  /** Whether raw or ELF-wrapped BTF is split (its string section does not start with the empty name). */
  const isSplit = (bytes: Uint8Array): boolean => {
    const raw = isElf(bytes) ? btfSectionOf(bytes) : bytes;
    const h = parseHeader(raw);
    return h.strLen > 0 && raw[h.strOff] !== 0;
  };
  const files = args.btf.map((path) => ({ path, bytes: readFile(path) }));
  const split = files.map((f) => {
    try {
      return isSplit(f.bytes);
    } catch (err) {
      throw inObject(err, f.path);
    }
  });
  const objects: CandidateObject[] = [];
  let base: Spec | undefined;
  const baseIndex = split.indexOf(false);
  if (baseIndex >= 0) {
    const f = files[baseIndex]!;
    try {
      base = loadSpecFromBytes(f.bytes);
    } catch (err) {
      throw inObject(err, f.path);
    }
    objects.push({ name: objectName(f.path), spec: base });
  } else if (options.btfDir !== undefined) {
    const { KernelRegistry } = await import('../kernel/registry.js');
    base = new KernelRegistry({ dir: options.btfDir, strict: options.strict }).vmlinux();
    objects.push({ name: 'vmlinux', spec: base });
  } else {
    throw new UsageError(
      `core explain: ${files[0]!.path} is split BTF: give the kernel's (vmlinux) BTF with --btf or --btf-dir first`,
    );
  }
  files.forEach((f, i) => {
    if (i === baseIndex) return;
    if (!split[i])
      throw new UsageError(`core explain: ${f.path} is base BTF, and ${files[baseIndex]!.path} already is the kernel's`);
    try {
      objects.push({ name: objectName(f.path), spec: loadSpecFromBytes(f.bytes, base) });
    } catch (err) {
      throw inObject(err, f.path);
    }
  });
  for (const o of objects) {
    try {
      o.spec.validate();
    } catch (err) {
      throw inObject(err, o.name);
    }
  }
  return specCandidateSource(objects);
}

/** A JSON number, or a decimal string beyond 2^53. */
function jsonValue(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** The document's entry for one relocation. */
function jsonEntry(a: AppliedFixup): object {
  const f = a.fixup;
  const poison = a.patch.how === 'poison';
  return {
    program: f.program,
    insn: f.insn,
    kind: f.kind,
    access: f.access,
    local: { id: f.local.id, name: f.local.name },
    target: f.target === null ? null : { object: f.target.object, id: f.target.id, name: f.target.name },
    old: jsonValue(a.patch.before),
    new: poison || a.patch.after === undefined ? null : jsonValue(a.patch.after),
    poison,
  };
}

/** Lines of the human-readable explanation of one relocation. */
function textLines(a: AppliedFixup): string[] {
  const f = a.fixup;
  const lines = [`${f.program} insn ${f.insn} (${a.section} relo #${f.relocation}): ${f.local.spec}`];
  for (const c of f.candidates) {
    lines.push(`  candidate ${c.object} [${c.id}] ${c.kind} ${c.name}: ${c.matched ? `matches, ${c.spec}` : 'does not match'}`);
  }
  const p = a.patch;
  if (p.how === 'poison') {
    lines.push(`  poisoned: ${p.reason ?? f.reason}`);
  } else {
    const where = p.how === 'alu' ? 'immediate' : p.how === 'mem' ? 'offset' : '64-bit immediate';
    const width = p.width ? `, access ${p.width.from} → ${p.width.to} bytes` : '';
    const target = f.target ? `${f.target.object} [${f.target.id}] ${f.target.kind} ${f.target.name}` : 'no target';
    const why = f.target === null || f.candidates.filter((c) => c.matched).length > 1 ? ` (${f.reason})` : '';
    lines.push(`  → ${target}: ${where} ${p.before} → ${p.after}${width}${why}`);
  }
  return lines;
}

/** `tsbpf core explain`. */
export const coreExplain: Command = {
  usage: USAGE,
  async run(argv: string[], options: GlobalOptions, io: Io): Promise<number> {
    const args = parseArgs(argv);
    const bytes = readFile(args.object);
    const [{ readCoreObject, relocateObject }, { CoreRelocator }] = await Promise.all([
      import('../core/object-relocations.js'),
      import('../core/relocator.js'),
    ]);
    let object: CoreObject;
    try {
      object = readCoreObject(bytes);
    } catch (err) {
      throw inObject(err, args.object);
    }
    const shown = progress(io, options);
    shown.phase('explain: reading the target BTF');
    const source = await targetSource(args, options);
    shown.phase(`explain: deciding ${object.relocations.length} relocations`);
    const relocator = new CoreRelocator(object.btf, source, { candidates: args.candidates, moduleTypeIds: args.moduleTypeIds });
    if (options.json) {
      const applied = relocateObject(object, relocator);
      const doc = { relocations: applied.map(jsonEntry) };
      io.out(jsonText(doc, options.pretty));
      return 0;
    }
    if (object.relocations.length === 0) {
      shown.clear();
      io.out(`${args.object}: no CO-RE relocations\n`);
      return 0;
    }
    // Each explanation is printed as soon as it is decided: the status line is cleared before
    // it, and redrawn after with the count (the first search of the modules may take a while).
    let decided = 0;
    relocateObject(object, relocator, (a) => {
      shown.clear();
      io.out(`${textLines(a).join('\n')}\n`);
      shown.count('explain: decided relocations', ++decided, object.relocations.length);
    });
    shown.clear();
    return 0;
  },
};
