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
  /**
   * Replaces the transient status line on a terminal's standard error ('' clears it); absent
   * when standard error is not a terminal.
   */
  status?(text: string): void;
}

/** Options that apply to every command. */
export interface GlobalOptions {
  json: boolean;
  pretty: boolean;
  baseBtf: string | undefined;
  btfDir: string | undefined;
  strict: boolean;
}

/** A leaf command: its help text and what it does. */
export interface Command {
  /** The full usage text printed by `--help`. */
  readonly usage: string;
  run(args: string[], options: GlobalOptions, io: Io): number | Promise<number>;
}

/** A command's place in its object's table: what help lists, and how to load the command. */
export interface CommandEntry {
  readonly name: string;
  /** One line for the parent's help. */
  readonly summary: string;
  load(): Promise<Command>;
}

/** An object with commands (`btf`). */
export interface Group {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly CommandEntry[];
}

/**
 * Finds the entry whose name is `word` or, as bpftool matches keywords, the first in table order
 * that starts with it: tables list the most used command first, so `btf d` is `btf dump`.
 * @throws {UsageError} for a word that matches nothing.
 */
export function matchWord<T extends { name: string }>(word: string, entries: readonly T[], what: string): T {
  const hit = entries.find((e) => e.name === word) ?? (word === '' ? undefined : entries.find((e) => e.name.startsWith(word)));
  if (hit) return hit;
  throw new UsageError(`unknown ${what} '${word}' (expected one of: ${entries.map((e) => e.name).join(', ')})`);
}

/** Whether `word` is a prefix of `keyword` (bpftool's `is_prefix`). */
export function isPrefix(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}
