#!/usr/bin/env node
/**
 * The `tsbpf` executable: binds the CLI to the process. The only file that touches `process`.
 * @module
 */
import { writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { ioError } from '../io/io-error.js';
import { runCli } from './app.js';

/**
 * `btf` commands run for a fraction of a second, and much of their CPU time went to V8's
 * optimizing compiler on background threads, which inlines callees into hot functions and
 * recompiles them when their feedback changes: more than the inlined code saves in so short a
 * run (dumping vmlinux as C took 0.50 s of CPU with inlining, 0.40 s without; raw 0.20 s, 0.18 s).
 * Long-running commands (`load`, `trace`) keep it. Set before any hot code is compiled.
 */
if (isBtfCommand(process.argv.slice(2))) setFlagsFromString('--no-turbo-inlining');

/**
 * Whether the command's first word (past global options and the values of `-B` and
 * `--btf-dir`) abbreviates `btf`, as the CLI's own word matching reads it (`tsbpf b d k`).
 */
function isBtfCommand(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-B' || a === '--base-btf' || a === '--btf-dir') i++;
    else if (a !== '' && !a.startsWith('-')) return 'btf'.startsWith(a);
  }
  return false;
}

/** Writes all of `chunk` to `fd`, waiting out EAGAIN on non-blocking pipes. */
function writeAll(fd: number, chunk: string | Uint8Array): void {
  let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (data.byteLength > 0) {
    try {
      const n = writeSync(fd, data);
      data = data.subarray(n);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(0);
      else throw err;
    }
  }
}

/** Whether a status line is showing on the terminal (so the next line must clear it first). */
let statusShown = false;
/** Carriage return and erase-to-end-of-line: the status line is redrawn in place. */
const CLEAR_LINE = '\r\x1b[K';

/** Writes to standard output; a failure (other than a closed pipe) is one line naming the stream. */
function out(chunk: string | Uint8Array): void {
  try {
    writeAll(1, chunk);
  } catch (err) {
    throw ioError('standard output', 'cannot write', err);
  }
}

/** Writes to standard error; when that fails too there is nowhere left to say so. */
function err(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // standard error is gone; the exit status still tells
  }
}

/** Draws `text` as the status line, in place of the last one. */
function status(text: string): void {
  err(`${CLEAR_LINE}${text}`);
  statusShown = text !== '';
}

/** Whether standard error is a terminal, once a command asked. */
let stderrIsTty: boolean | undefined;

// Not a top-level await: the installed executable runs this module bundled as a CommonJS script
// (see bin.cts), where there is none.
void runCli(process.argv.slice(2), {
  out,
  err: (line) => {
    err(`${statusShown ? CLEAR_LINE : ''}${line}\n`);
    statusShown = false;
  },
  // A status line only on a terminal, decided when a command first asks: reading
  // process.stderr.isTTY creates Node's stderr stream, about 3 ms of CPU at start-up that the
  // commands without a status line (most) would pay for nothing.
  get status() {
    stderrIsTty ??= process.stderr.isTTY === true;
    return stderrIsTty ? status : undefined;
  },
}).then((code) => {
  process.exitCode = code;
});
