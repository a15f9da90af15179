/**
 * What the benchmark scripts share: the repository's root, their command-line options and flags, the
 * median, and one run of a command under GNU time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = fileURLToPath(new URL('..', import.meta.url));

/** The script's arguments left after {@link option} took its flags and their values. */
export const rest = process.argv.slice(2);

/** The value after `flag` on the command line (removed from {@link rest}), or `dflt`. */
export function option(flag, dflt) {
  const i = rest.indexOf(flag);
  if (i < 0 || rest[i + 1] === undefined) return dflt;
  const [, value] = rest.splice(i, 2);
  return value;
}

/** Whether `flag` is on the command line (removed from {@link rest}). */
export function flag(name) {
  const i = rest.indexOf(name);
  if (i < 0) return false;
  rest.splice(i, 1);
  return true;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One run of `argv` under GNU time, its output discarded: wall-clock and CPU (user + system)
 * milliseconds. GNU time writes its figures to `scratch/time`.
 * @throws {Error} naming the command when it exits non-zero.
 */
export function gnuTimed(argv, scratch) {
  const out = join(scratch, 'time');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', out, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${String(r.stderr).trim()}`);
  const [wall, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000 };
}

/**
 * The environment whole-process runs get: this process's, without NODE_EXTRA_CA_CERTS unless
 * `keep` (Node parses every certificate of the file it names as it starts, about 35 ms of CPU
 * for a system's whole CA list: the environment's cost, not the command's; bpftool reads none).
 */
export function runEnv(keep) {
  const env = { ...process.env };
  if (!keep) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/**
 * One run of `argv` through bash, its output to `out` (a path; by default discarded): wall-clock
 * and CPU (user + system of the command, its threads and children) milliseconds, to the
 * millisecond (bash's `times`; GNU time counts in 10 ms steps, as much as bpftool's whole run).
 * @throws {Error} naming the command when it exits non-zero.
 */
export function bashTimed(argv, env = process.env, out = '/dev/null') {
  const script = 'a=$EPOCHREALTIME; "$@" >"$OUT"; s=$?; b=$EPOCHREALTIME; times; echo "$a $b"; exit $s';
  const r = spawnSync('bash', ['-c', script, 'bash', ...argv], {
    env: { ...env, OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${String(r.stderr).trim()}`);
  const lines = r.stdout.trim().split('\n');
  const [a, b] = lines.pop().split(' ').map(Number);
  const secs = (t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const [user, sys] = lines.pop().split(' ').map(secs);
  return { wall: (b - a) * 1000, cpu: (user + sys) * 1000 };
}
