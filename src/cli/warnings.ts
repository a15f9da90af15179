/**
 * Warnings on standard error, summarised when there are many: a directory of 10,000 broken
 * files gives the first few lines and a count, not 10,000 lines.
 * @module
 */
import type { Io } from './command.js';

/** A warning printer: {@link WarningPrinter.flush} prints the count of those not shown. */
export interface WarningPrinter {
  warn(message: string): void;
  /** Prints how many warnings were not shown, if any, and starts counting afresh. */
  flush(): void;
}

/** Warnings shown before the rest are only counted. */
export const WARNINGS_SHOWN = 10;

/** Prints the first `limit` warnings as `tsbpf: warning: ...` lines and counts the rest. */
export function warningPrinter(io: Io, limit = WARNINGS_SHOWN): WarningPrinter {
  let shown = 0;
  let hidden = 0;
  return {
    warn(message) {
      if (shown < limit) {
        shown++;
        io.err(`tsbpf: warning: ${message}`);
      } else {
        hidden++;
      }
    },
    flush() {
      if (hidden > 0) io.err(`tsbpf: warning: ... and ${hidden} more warning${hidden === 1 ? '' : 's'} like these`);
      shown = 0;
      hidden = 0;
    },
  };
}
