/**
 * Writing a command's output without ever destroying what is at the path by accident:
 *
 * - a regular file (or a new path) is replaced atomically: the bytes go to a temporary file in
 *   the same directory, which takes the old file's mode and owner and is renamed over it only
 *   once complete; through a symlink, the file it points to is replaced and the link kept;
 * - a character device (`/dev/null`), a FIFO, and standard output (`-`, `/dev/stdout`, or any
 *   path that is the file standard output already writes to) are written straight through;
 * - anything else (a directory, a block device, a socket, a dangling symlink) is refused.
 *
 * Several files ({@link writeOutputs}) appear together or not at all. A terminating signal
 * during a write removes the temporary files (see temp-files.ts).
 *
 * What this promises is atomicity, not durability: a reader, a failed write or a killed process
 * never sees or leaves a partial output, and an input is never overwritten. The temporary file
 * is not `fsync`ed before the rename: clang writes its outputs the same way (a temporary file
 * renamed into place, never synced) and bpftool writes in place without a sync (both checked
 * with strace). Outputs here are derived data a command can make again, and waiting for the
 * disk (a few to tens of milliseconds, more on a busy disk) on every command would buy only
 * survival of a power loss: after a crash of the machine itself, an output written just before
 * may be missing or empty, as with those tools. Callers who need more sync the file themselves.
 * @module
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../errors.js';
import { displayPath, isMangledPath } from './display-path.js';
import { ioError } from './io-error.js';
import { releaseTemp, trackTemp, yieldToSignals } from './temp-files.js';

/** Options of {@link writeOutput} and {@link writeOutputs}. */
export interface OutputOptions {
  /**
   * Standard output, for the path `-` and for paths that are standard output's own file. Absent:
   * those are written as the files they are.
   */
  stdout?: (chunk: Uint8Array) => void;
}

/** How one output path is written. */
export type OutputPlan =
  | { kind: 'stdout'; path: string }
  | { kind: 'stream'; path: string; what: string }
  | {
      kind: 'file';
      path: string;
      /** The file replaced: the path itself, or where its symlinks lead. */
      target: string;
      /** The existing file's status, or `undefined` for a new path. */
      existing: Stats | undefined;
    };

/** Bytes written per system call; between chunks the event loop runs (signals are handled). */
const CHUNK = 1 << 20;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isFIFO()) return 'a FIFO';
  return 'not a regular file';
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Standard output's status, when there is a standard output to compare with. */
function stdoutStat(): Stats | undefined {
  try {
    return fstatSync(1);
  } catch {
    return undefined;
  }
}

/**
 * Decides how `path` will be written, without touching it.
 * @throws {IoError} for a path that must not be written: empty, not UTF-8, a directory, a block
 * device, a socket, a dangling symlink, a directory that does not exist.
 */
export function planOutput(path: string, options: OutputOptions = {}): OutputPlan {
  if (path === '') throw new IoError("''", 'empty output path');
  if (isMangledPath(path)) throw new IoError(displayPath(path), 'output path is not valid UTF-8; tsbpf cannot name that file');
  if (path === '-') {
    if (options.stdout) return { kind: 'stdout', path };
    throw new IoError('-', 'standard output is not available here');
  }
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') throw ioError(path, 'cannot write', err);
    let link: Stats | undefined;
    try {
      link = lstatSync(path);
    } catch {
      // nothing at the path
    }
    if (link?.isSymbolicLink()) {
      let to = '?';
      try {
        to = readlinkSync(path);
      } catch {
        // raced away
      }
      throw new IoError(displayPath(path), `refusing to write through a dangling symlink (to ${displayPath(to)})`);
    }
    try {
      if (!statSync(dirname(path)).isDirectory()) throw new IoError(displayPath(path), 'cannot write: not a directory');
    } catch (derr) {
      throw ioError(path, 'cannot write', derr);
    }
    return { kind: 'file', path, target: path, existing: undefined };
  }
  const out = options.stdout ? stdoutStat() : undefined;
  if (out !== undefined && sameFile(st, out)) return { kind: 'stdout', path };
  if (st.isFile()) {
    let target: string;
    try {
      target = realpathSync(path);
    } catch (err) {
      throw ioError(path, 'cannot write', err);
    }
    return { kind: 'file', path, target, existing: st };
  }
  if (st.isCharacterDevice() || st.isFIFO()) return { kind: 'stream', path, what: kindOf(st) };
  throw new IoError(displayPath(path), `refusing to write: it is ${kindOf(st)}`);
}

/** Writes all of `bytes` to `fd`, yielding between chunks and waiting out EAGAIN. */
async function writeAllTo(fd: number, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    try {
      done += writeSync(fd, bytes, done, Math.min(CHUNK, bytes.byteLength - done));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    if (done < bytes.byteLength) await yieldToSignals();
  }
}

async function writeStream(plan: OutputPlan & { kind: 'stream' }, bytes: Uint8Array): Promise<void> {
  let fd: number;
  try {
    // Non-blocking: a FIFO nobody reads is an error now rather than a hang.
    fd = openSync(plan.path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') {
      throw new IoError(displayPath(plan.path), 'cannot write: FIFO has no reader', { code: 'ENXIO', cause: err });
    }
    throw ioError(plan.path, 'cannot write', err);
  }
  try {
    await writeAllTo(fd, bytes);
  } catch (err) {
    throw ioError(plan.path, 'cannot write', err);
  } finally {
    closeSync(fd);
  }
}

/** A temporary file beside `target`, holding `bytes`, with the mode and owner `target` has. */
async function writeTemp(plan: OutputPlan & { kind: 'file' }, bytes: Uint8Array): Promise<string> {
  const dir = dirname(plan.target);
  const tmp = join(dir, `.${basename(plan.target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number | undefined;
  trackTemp(tmp);
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const old = plan.existing;
    if (old !== undefined) {
      // Owner first: chown clears set-id bits, which the mode then restores.
      const mine = fstatSync(fd);
      if (mine.uid !== old.uid || mine.gid !== old.gid) {
        try {
          fchownSync(fd, old.uid, old.gid);
        } catch (err) {
          throw new IoError(
            displayPath(plan.path),
            `refusing to replace it: cannot keep its owner ${old.uid}:${old.gid} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
            { cause: err },
          );
        }
      }
      fchmodSync(fd, old.mode & 0o7777);
    }
    await writeAllTo(fd, bytes);
    closeSync(fd);
    fd = undefined;
    return tmp;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    removeTemp(tmp);
    throw ioError(plan.path, 'cannot write', err);
  }
}

function removeTemp(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    // never created, or already gone
  }
  releaseTemp(tmp);
}

/**
 * Writes `bytes` to `path`: atomically onto a regular file or a new path (keeping an existing
 * file's mode and owner), straight through to a character device, a FIFO or standard output.
 * @throws {IoError} naming `path` (never a temporary file) when it cannot or must not be written.
 */
export async function writeOutput(path: string, bytes: Uint8Array, options: OutputOptions = {}): Promise<OutputPlan> {
  return (await writeOutputs([{ path, bytes }], options))[0]!;
}

/**
 * Writes several outputs so that they appear together or not at all: every file is written to
 * its temporary first, then all are renamed into place; if a rename fails, the files already
 * renamed are put back as they were. Devices, FIFOs and standard output are refused here when
 * there is more than one output (a pair cannot be written atomically to them).
 * @returns how each output was written (a command prints its summary elsewhere than standard
 * output when the data went there).
 * @throws {IoError} naming the output that failed.
 */
export async function writeOutputs(
  files: readonly { path: string; bytes: Uint8Array }[],
  options: OutputOptions = {},
): Promise<OutputPlan[]> {
  const plans = files.map((f) => planOutput(f.path, options));
  if (plans.length === 1 && plans[0]!.kind !== 'file') {
    const plan = plans[0]!;
    const bytes = files[0]!.bytes;
    if (plan.kind === 'stdout') options.stdout!(bytes);
    else if (plan.kind === 'stream') await writeStream(plan, bytes);
    return plans;
  }
  const targets = new Set<string>();
  for (const plan of plans) {
    if (plan.kind !== 'file') {
      throw new IoError(
        displayPath(plan.path),
        `refusing to write one of ${plans.length} outputs to ${plan.kind === 'stdout' ? 'standard output' : plan.what}`,
      );
    }
    if (targets.has(plan.target)) throw new IoError(displayPath(plan.path), 'named twice among the outputs');
    targets.add(plan.target);
  }
  const filePlans = plans as (OutputPlan & { kind: 'file' })[];
  const temps: string[] = [];
  try {
    for (let i = 0; i < filePlans.length; i++) temps.push(await writeTemp(filePlans[i]!, files[i]!.bytes));
    commit(filePlans, temps);
  } finally {
    for (const t of temps) removeTemp(t);
  }
  return plans;
}

/**
 * Renames each temporary over its target. Synchronous, so no signal handler runs in between.
 * With several targets, each existing one is first kept under a hard link, to be restored if a
 * later rename fails.
 */
function commit(plans: readonly (OutputPlan & { kind: 'file' })[], temps: readonly string[]): void {
  if (plans.length === 1) {
    try {
      renameSync(temps[0]!, plans[0]!.target);
    } catch (err) {
      throw ioError(plans[0]!.path, 'cannot write', err);
    }
    return;
  }
  const backups: (string | undefined)[] = [];
  const done: number[] = [];
  try {
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      if (p.existing === undefined) {
        backups.push(undefined);
        continue;
      }
      const b = `${temps[i]!}.old`;
      trackTemp(b);
      try {
        linkSync(p.target, b);
      } catch (err) {
        releaseTemp(b);
        throw ioError(p.path, 'cannot write', err);
      }
      backups.push(b);
    }
    for (let i = 0; i < plans.length; i++) {
      try {
        renameSync(temps[i]!, plans[i]!.target);
      } catch (err) {
        throw ioError(plans[i]!.path, 'cannot write', err);
      }
      done.push(i);
    }
    done.length = 0;
  } finally {
    // On failure, undo the renames that happened: old files back, new paths removed.
    for (const i of done.reverse()) {
      const b = backups[i];
      try {
        if (b !== undefined) renameSync(b, plans[i]!.target);
        else unlinkSync(plans[i]!.target);
      } catch {
        // best effort; the error being thrown names the output
      }
    }
    for (const b of backups) if (b !== undefined) removeTemp(b);
  }
}
