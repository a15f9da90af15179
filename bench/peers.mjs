/**
 * The peer side of tsbpf's benchmarks: builds the libbpf harnesses in bench/c/, runs them and
 * returns their figures, and times whole commands (such as bpftool) the same way tsbpf's CLI is
 * timed.
 *
 * Every harness prints one JSON line on stdout; {@link runPeer} parses it. Failures throw an
 * `Error` whose message leads with the command that failed.
 *
 * @module
 */

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Directory holding the C sources and Makefile of the harnesses. */
export const PEER_SRC_DIR = join(here, 'c');

/** Directory the harness binaries are built into (git-ignored). */
export const PEER_BIN_DIR = join(PEER_SRC_DIR, 'bin');

/** Names of the harnesses, as accepted by {@link runPeer}. */
export const PEERS = Object.freeze([
  'parse',
  'find-names',
  'list-names',
  'parse-split-all',
  'find-in-modules',
  'dedup',
  'merge',
  'load-attach',
  'ringbuf',
]);

/** Largest stdout a harness or timed command may print before it is cut. */
const MAX_BUFFER = 64 * 1024 * 1024;

/**
 * Quote an argv for an error message.
 *
 * @param {readonly string[]} argv
 * @returns {string}
 */
function show(argv) {
  return argv.map((a) => (/^[\w./=:-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * Describe how a spawnSync run ended, or return undefined when it exited 0.
 *
 * @param {import('node:child_process').SpawnSyncReturns<string | Buffer>} r
 * @returns {string | undefined}
 */
function failure(r) {
  if (r.error) return r.error.message;
  if (r.signal) return `killed by ${r.signal}`;
  if (r.status !== 0) return `exit status ${r.status}`;
  return undefined;
}

/**
 * Build every harness with `make -C bench/c` (cc -O2 ... -lbpf). Needs a C compiler and
 * libbpf-dev. Cheap when the binaries are up to date.
 *
 * @returns {string} the directory holding the binaries
 */
export function buildPeers() {
  const argv = ['make', '-s', '-C', PEER_SRC_DIR];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const why = failure(r);
  if (why !== undefined) {
    throw new Error(`${show(argv)}: ${why}\n${r.stderr ?? ''}${r.stdout ?? ''}`.trimEnd());
  }
  return PEER_BIN_DIR;
}

/**
 * Path of a built harness binary.
 *
 * @param {string} name one of {@link PEERS}
 * @returns {string}
 */
export function peerPath(name) {
  if (!PEERS.includes(name)) throw new Error(`peer ${name}: unknown (one of ${PEERS.join(', ')})`);
  return join(PEER_BIN_DIR, name);
}

/**
 * Run a harness and return the JSON object it printed. The harness must have been built
 * ({@link buildPeers}).
 *
 * @param {string} name one of {@link PEERS} except `list-names` (which prints names, not JSON)
 * @param {readonly string[]} [args] its arguments
 * @returns {Record<string, unknown>} the figures, e.g. `{ bench: 'parse', ms: 1.3, types: 126610, ... }`
 */
export function runPeer(name, args = []) {
  const argv = [peerPath(name), ...args];
  if (!existsSync(argv[0])) throw new Error(`${show(argv)}: not built (call buildPeers() first)`);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: MAX_BUFFER });
  const why = failure(r);
  if (why !== undefined) throw new Error(`${show(argv)}: ${why}: ${(r.stderr ?? '').trim()}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${show(argv)}: output is not one JSON line: ${JSON.stringify(line.slice(0, 200))}`);
  }
}

/**
 * Write a names file for the `find-names` harness (and tsbpf's side of the same benchmark):
 * `count` distinct type names of a BTF file, picked at even strides across its type table.
 *
 * @param {string} btfFile a raw BTF file or an ELF object with .BTF
 * @param {string} outFile where to write the names, one per line
 * @param {number} [count] how many names (default 1000)
 * @returns {string[]} the names written
 */
export function writeNamesFile(btfFile, outFile, count = 1000) {
  const argv = [peerPath('list-names'), btfFile, String(count)];
  const fd = openSync(outFile, 'w');
  let r;
  try {
    r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  } finally {
    closeSync(fd);
  }
  const why = failure(r);
  if (why !== undefined) throw new Error(`${show(argv)}: ${why}: ${(r.stderr ?? '').trim()}`);
  return readFileSync(outFile, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

/**
 * @typedef {object} TimeOptions
 * @property {number} [iters] measured runs (default 10)
 * @property {number} [warmup] unmeasured runs first, to warm caches (default 1)
 * @property {string} [cwd] working directory of the command
 * @property {NodeJS.ProcessEnv} [env] its environment (default: this process's)
 * @property {boolean} [rss] also measure the command's peak RSS with GNU time (/usr/bin/time),
 *   run as a separate unmeasured pass so that its own start-up does not count in the timings
 */

/**
 * @typedef {object} TimeResult
 * @property {string[]} argv the command
 * @property {number} iters how many runs were measured
 * @property {number} medianMs median wall-clock milliseconds of a whole run (spawn to exit)
 * @property {number} minMs fastest run
 * @property {number} maxMs slowest run
 * @property {number} meanMs mean of the runs
 * @property {number[]} runsMs every run, in order
 * @property {number} [peakRssKb] peak RSS of the command in KiB (with `rss: true`)
 */

/**
 * Time a whole command: spawn it `iters` times with stdout sent to /dev/null and stderr captured,
 * and take the median wall-clock time. Any run that does not exit 0 throws.
 *
 * @example
 * timeCommand(['bpftool', 'btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'])
 *
 * @param {readonly string[]} argv the command and its arguments
 * @param {TimeOptions} [options]
 * @returns {TimeResult}
 */
export function timeCommand(argv, options = {}) {
  const { iters = 10, warmup = 1, cwd, env, rss = false } = options;
  if (argv.length === 0) throw new Error('timeCommand: empty argv');
  if (!Number.isInteger(iters) || iters < 1) throw new Error(`timeCommand: iters ${iters}: must be >= 1`);
  const devNull = openSync('/dev/null', 'w');
  const spawnOpts = { cwd, env, stdio: ['ignore', devNull, 'pipe'], maxBuffer: MAX_BUFFER };
  const runsMs = [];
  try {
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(argv[0], argv.slice(1), spawnOpts);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const why = failure(r);
      if (why !== undefined) throw new Error(`${show(argv)}: ${why}: ${String(r.stderr ?? '').trim()}`);
      if (i >= warmup) runsMs.push(ms);
    }
  } finally {
    closeSync(devNull);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  /** @type {TimeResult} */
  const result = {
    argv: [...argv],
    iters,
    medianMs: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    meanMs: runsMs.reduce((a, b) => a + b, 0) / runsMs.length,
    runsMs,
  };
  if (rss) result.peakRssKb = peakRssOf(argv, { cwd, env });
  return result;
}

/**
 * Peak RSS of one run of a command, in KiB, measured by GNU time.
 *
 * @param {readonly string[]} argv
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {number}
 */
export function peakRssOf(argv, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'peak-rss-'));
  const out = join(dir, 'rss');
  const timeArgv = ['/usr/bin/time', '-f', '%M', '-o', out, ...argv];
  try {
    const r = spawnSync(timeArgv[0], timeArgv.slice(1), {
      ...options,
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: MAX_BUFFER,
    });
    const why = failure(r);
    if (why !== undefined) throw new Error(`${show(timeArgv)}: ${why}: ${String(r.stderr ?? '').trim()}`);
    const kb = Number.parseInt(readFileSync(out, 'utf8').trim().split('\n').pop() ?? '', 10);
    if (!Number.isFinite(kb)) throw new Error(`${show(timeArgv)}: no peak RSS in its output`);
    return kb;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
