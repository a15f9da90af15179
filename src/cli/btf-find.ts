/**
 * `tsbpf btf find <NAME> [kind <KIND>]`: a type by name in vmlinux and every module.
 * @module
 */
import { formatRawType } from '../btf/format/raw.js';
import { KIND_BY_NUMBER, type TypeKind } from '../btf/types.js';
import { KernelError, UsageError } from '../errors.js';
import type { RegistryWarning } from '../kernel/module-cache.js';
import { KernelRegistry } from '../kernel/registry.js';
import { Errno } from '../sys/errno.js';
import { type Command, type GlobalOptions, type Io, isPrefix, matchValue } from './command.js';
import { jsonText } from './json-out.js';
import { progress } from './progress.js';
import { type WarningPrinter, warningPrinter } from './warnings.js';

const USAGE = `Usage: tsbpf btf find <NAME> [kind <KIND>] [--btf-dir <DIR>] [--strict] [-j|-p]

Finds every type named NAME in vmlinux and in every kernel module's BTF, and prints one line
per match: the object (vmlinux or the module; with the running kernel's BTF object ID in
parentheses when known), then the type as 'bpftool btf dump ... format raw' prints its first
line:

  veth(42)  [100833] FUNC 'veth_xmit' type_id=100832 linkage=static

NAME may be qualified as libbpf spells it: 'veth:veth_xmit' looks in module veth only,
'vmlinux:NAME' in vmlinux only. KIND is a BTF kind (func, struct, union, enum, typedef, ...),
or a prefix of one (st = struct; a prefix of several, as f, is refused).

Object IDs are shown when run as root (walking them needs CAP_SYS_ADMIN); without, the types
are found all the same. Only the modules whose strings contain NAME are decoded. A module whose BTF is broken is
skipped with a warning on standard error (--strict makes it an error). Exit status 1 when
nothing matches, as grep.

Options:
      --btf-dir <DIR>   a directory laid out like /sys/kernel/btf (default: the running kernel)
      --strict          fail on broken module BTF
  -j, --json            print an array of {object, objectId?, typeId, kind, name}
  -p, --pretty          the same, laid out as bpftool -p lays out JSON
`;

/** The kinds `kind <KIND>` takes: every BTF kind (not void, which no type has). */
const FIND_KINDS: readonly TypeKind[] = KIND_BY_NUMBER.slice(1);

/** Parses `<NAME> [kind <KIND>]`; KIND may be abbreviated to a prefix of one kind (`st`). */
export function parseFindArgs(args: string[]): { name: string; kind: TypeKind | undefined } {
  const [name, ...rest] = args;
  if (name === undefined) throw new UsageError('btf find: missing <NAME>');
  let kind: TypeKind | undefined;
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (!isPrefix(word, 'kind')) throw new UsageError(`btf find: unexpected argument '${word}'`);
    const value = rest.shift()?.toLowerCase();
    if (value === undefined) throw new UsageError('btf find: kind needs a value (func, struct, ...)');
    kind = matchValue(value, FIND_KINDS, 'kind', 'btf find');
  }
  return { name, kind };
}

/** A warning that the running kernel's BTF object IDs could not be walked (not root). */
function isWalkDenied(w: RegistryWarning): boolean {
  return (
    w.module === undefined && w.error instanceof KernelError && (w.error.errno === Errno.EPERM || w.error.errno === Errno.EACCES)
  );
}

/**
 * A registry for the CLI's options, with warnings going to standard error (the first few in
 * full, then counted: call `warnings.flush()` when the lookup is done).
 */
export function cliRegistry(options: GlobalOptions, io: Io): KernelRegistry & { warningsOut: WarningPrinter } {
  const warnings = warningPrinter(io);
  const registry = new KernelRegistry({
    ...(options.btfDir !== undefined ? { dir: options.btfDir } : {}),
    strict: options.strict,
    onWarning: (w) => {
      // Without root the BTF object IDs cannot be walked; the types are read from sysfs all the
      // same, and the IDs, mere labels here, are left out without a word on every run.
      if (!isWalkDenied(w)) warnings.warn(w.message);
    },
  });
  return Object.assign(registry, { warningsOut: warnings });
}

export const btfFind: Command = {
  usage: USAGE,
  run(args, options, io) {
    const { name, kind } = parseFindArgs(args);
    const registry = cliRegistry(options, io);
    const shown = progress(io, options);
    shown.phase(`find: looking for '${name}' in vmlinux and every module`);
    const matches = registry.find(name, kind);
    shown.clear();
    registry.warningsOut.flush();
    if (options.json) {
      const rows = matches.map((m) => ({
        object: m.object,
        ...(m.objectId !== undefined ? { objectId: m.objectId } : {}),
        typeId: m.typeId,
        kind: m.kind,
        name: m.name,
      }));
      io.out(jsonText(rows, options.pretty));
    } else {
      const labels = matches.map((m) => (m.objectId !== undefined ? `${m.object}(${m.objectId})` : m.object));
      const width = Math.max(0, ...labels.map((l) => l.length));
      matches.forEach((m, i) => {
        const line = formatRawType(m.spec, m.typeId).split('\n')[0];
        io.out(`${labels[i]!.padEnd(width)}  ${line}\n`);
      });
      if (matches.length === 0) io.err(`tsbpf: no ${kind ?? 'type'} named '${name}' in ${registry.source}`);
    }
    // As grep does: success means something was found.
    return matches.length > 0 ? 0 : 1;
  },
};
