/**
 * Temporary files that must not outlive an interrupted write. While any exists, SIGINT, SIGTERM
 * and SIGHUP remove them and then end the process by the same signal, as the default action
 * would have. Writers yield to the event loop between chunks so the handler gets to run.
 * @module
 */
import { unlinkSync } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const live = new Set<string>();

function onSignal(signal: NodeJS.Signals): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // With the listener gone the default action applies: the process ends by this signal.
  process.kill(process.pid, signal);
}

/** Registers a temporary file for removal if a terminating signal arrives before {@link releaseTemp}. */
export function trackTemp(path: string): void {
  if (live.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  live.add(path);
}

/** Forgets a temporary file (renamed into place or removed). */
export function releaseTemp(path: string): void {
  if (!live.delete(path) || live.size > 0) return;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/** Lets the event loop run once (pending signal handlers included). */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
