/**
 * The one status line long commands keep on a terminal: what they are doing, and how far they
 * are through a count. It is drawn only when standard error is a terminal (`Io.status` exists)
 * and never with -j/-p, whose readers are programs; redrawn at most every 100 ms, and cleared
 * before anything else is printed (main.ts clears it before an error or warning line).
 * @module
 */
import type { GlobalOptions, Io } from './command.js';

/** A command's status line (a no-op where no terminal shows it). */
export interface Progress {
  /** Whether anything is shown: callers may skip building texts when not. */
  readonly shown: boolean;
  /** Shows what the command does now (`dedup: deduplicating 120,000 types`), at once. */
  phase(text: string): void;
  /** Shows `label done/total`, at most every 100 ms, and always the last step. */
  count(label: string, done: number, total: number): void;
  /** Clears the line. */
  clear(): void;
}

/** Least time between two redraws of a count, in milliseconds. */
export const REDRAW_MS = 100;

const silent: Progress = { shown: false, phase() {}, count() {}, clear() {} };

/**
 * The status line of one command run.
 * @param now - the clock, in milliseconds (a test passes its own).
 */
export function progress(io: Io, options: Pick<GlobalOptions, 'json'>, now: () => number = () => performance.now()): Progress {
  const status = io.status?.bind(io);
  if (status === undefined || options.json) return silent;
  let last = Number.NEGATIVE_INFINITY;
  let showing = false;
  return {
    shown: true,
    phase(text) {
      status(text);
      showing = true;
      last = now();
    },
    count(label, done, total) {
      const t = now();
      if (done < total && t - last < REDRAW_MS) return;
      status(`${label} ${done}/${total}`);
      showing = true;
      last = t;
    },
    clear() {
      if (showing) status('');
      showing = false;
    },
  };
}
