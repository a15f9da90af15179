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
  const guess = didYouMean(
    word,
    entries.map((e) => e.name),
  );
  const hint = guess !== undefined ? `did you mean '${guess}'? ` : '';
  throw new UsageError(`unknown ${what} '${word}' (${hint}expected one of: ${entries.map((e) => e.name).join(', ')})`);
}

/**
 * Finds the value `word` names among `values` (a kind, a format): itself, or the one value it is
 * a prefix of. Unlike command words, whose table order settles a shared prefix, values have no
 * order of preference, so a prefix of several is refused with the candidates.
 * @throws {UsageError} for a word that matches no value, or a prefix of several.
 */
export function matchValue<T extends string>(word: string, values: readonly T[], what: string, command?: string): T {
  const lead = command !== undefined ? `${command}: ` : '';
  const exact = values.find((v) => v === word);
  if (exact !== undefined) return exact;
  const hits = word === '' ? [] : values.filter((v) => v.startsWith(word));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) throw new UsageError(`${lead}ambiguous ${what} '${word}' (could be: ${hits.join(', ')})`);
  const guess = didYouMean(word, values);
  const hint = guess !== undefined ? `did you mean '${guess}'? ` : '';
  throw new UsageError(`${lead}unknown ${what} '${word}' (${hint}expected one of: ${values.join(', ')})`);
}

/**
 * The keyword `word` was most likely a slip for: the one nearest in edit distance (a letter
 * missing, extra, wrong, or two swapped), when it is near enough to be a slip (one edit for a
 * word of up to four letters, two for longer ones) and no other keyword is as near.
 */
export function didYouMean(word: string, keywords: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const k of keywords) {
    const d = editDistance(word, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return best !== undefined && !tie ? best : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** Whether `word` is a prefix of `keyword` (bpftool's `is_prefix`). */
export function isPrefix(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}
