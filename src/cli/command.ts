/**
 * The command table: bpftool's grammar of `OBJECT COMMAND [ARGS]`, where every word may be
 * abbreviated to a unique prefix (`btf d` is `btf dump`).
 * @module
 */
import { UsageError } from '../errors.js';

/** What a command writes to and reads from; `main.ts` binds it to the process. */
export interface Io {
  /** Writes to standard output. */
  out(chunk: string | Uint8Array): void;
  /** Writes to standard error. */
  err(line: string): void;
  /** Whether standard error is a terminal (for progress displays). */
  readonly errIsTty: boolean;
}

/** Options that apply to every command. */
export interface GlobalOptions {
  json: boolean;
  pretty: boolean;
  baseBtf: string | undefined;
  btfDir: string | undefined;
  strict: boolean;
}

/** A leaf command. */
export interface Command {
  readonly name: string;
  /** One line for the parent's help. */
  readonly summary: string;
  /** The full usage text printed by `--help`. */
  readonly usage: string;
  run(args: string[], options: GlobalOptions, io: Io): number | Promise<number>;
}

/** An object with commands (`btf`). */
export interface Group {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly Command[];
}

/**
 * Finds the entry whose name is `word` or starts with it, as bpftool matches keywords.
 * @throws {UsageError} for an unknown or ambiguous word.
 */
export function matchWord<T extends { name: string }>(word: string, entries: readonly T[], what: string): T {
  const exact = entries.find((e) => e.name === word);
  if (exact) return exact;
  const hits = entries.filter((e) => e.name.startsWith(word));
  if (hits.length === 1) return hits[0]!;
  const names = entries.map((e) => e.name).join(', ');
  if (hits.length === 0) throw new UsageError(`unknown ${what} '${word}' (expected one of: ${names})`);
  throw new UsageError(`ambiguous ${what} '${word}': ${hits.map((h) => h.name).join(', ')}`);
}

/** Whether `word` is a prefix of `keyword` (bpftool's `is_prefix`). */
export function isPrefix(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}
