/**
 * The one grammar of the commands that write BTF (`merge`, `dedup`, `distill`): positional
 * inputs, a base (`-B`/`--base <B>`, the global option, anywhere) and an output
 * (`-o`/`--output <OUT>`). The keywords `base <B>` and `out <OUT>` of earlier releases are
 * still read, but no help shows them.
 * @module
 */
import { UsageError } from '../errors.js';
import type { GlobalOptions } from './command.js';

/** The options every writer command's help lists, the same way. */
export function writerOptions(base: string, out: string, extra: readonly (readonly [string, string])[] = []): string {
  const line = ([left, text]: readonly [string, string]) => `${left.padEnd(27)} ${text}\n`;
  return `Options:\n${[
    [`  -B, --base <${base}>`, 'the base BTF (vmlinux) the input was built on'] as const,
    [`  -o, --output <${out}>`, 'where to write'] as const,
    ...extra,
    ['  -h, --help', 'this help'] as const,
  ]
    .map(line)
    .join('')}`;
}

/** What a writer command was asked to do. */
export interface WriterArgs {
  inputs: string[];
  base: string | undefined;
  out: string | undefined;
}

/**
 * Splits `args` into inputs, base and output.
 * @throws {UsageError} for a keyword without its value or an unknown option.
 */
export function parseWriterArgs(command: string, args: readonly string[], options: GlobalOptions): WriterArgs {
  const parsed: WriterArgs = { inputs: [], base: options.baseBtf, out: undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v === '') throw new UsageError(`btf ${command}: ${a} needs a value`);
      return v;
    };
    if (a === 'base' || a === '--base' || a === '--base-btf' || a === '-B') parsed.base = value();
    else if (a === 'out' || a === '-o' || a === '--output') parsed.out = value();
    else if (a.startsWith('--base=') || a.startsWith('--base-btf=') || a.startsWith('--output=')) {
      const eq = a.indexOf('=');
      const v = a.slice(eq + 1);
      if (v === '') throw new UsageError(`btf ${command}: ${a.slice(0, eq)} needs a value`);
      if (a.startsWith('--output=')) parsed.out = v;
      else parsed.base = v;
    } else if (a.startsWith('-') && a.length > 1) throw new UsageError(`btf ${command}: unknown option '${a}'`);
    else parsed.inputs.push(a);
  }
  return parsed;
}
