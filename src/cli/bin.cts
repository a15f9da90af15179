#!/usr/bin/env node
/**
 * The `tsbpf` executable as installed (package.json's `bin`). It runs the CLI, `main.ts`, from one
 * bundled file compiled with a V8 code cache, because a `btf dump` spends as much CPU starting as
 * dumping otherwise:
 *
 * - `dist/cli/tsbpf.cjs` is `main.js` with everything it imports in one CommonJS file (esbuild):
 *   start-up reads one file instead of resolving, reading and linking 40 to 140 ES modules (each
 *   command's modules are still only evaluated when the command runs);
 * - `dist/cli/tsbpf.<id>.v8cache` is V8's code cache of that file, written after running it over
 *   a few commands (dumps, `core explain`, `gen min_core_btf`, help): the functions start-up and
 *   those commands compile are read back compiled instead of parsed and compiled again. `<id>` is
 *   the hash of the bundle named on its first line, so a cache never meets another build's bundle
 *   (V8 itself checks only the source's length, its own version and its flags).
 *
 * Both are written by `scripts/build-cli.mjs`, which `npm run build`, `npm test` and `npm ci`
 * (through `prepare`) run after `tsc`. A cache V8 rejects (another Node, other flags) or a missing
 * one costs only the compile it would have saved. `dist/cli/main.js` stays the unbundled entry
 * (tests and benchmarks run it too); the library's exports are the per-module files in `dist/`.
 * Measured on `btf dump` of a small file: 49 ms of CPU above Node's own start from `main.js`,
 * 27 ms bundled, 19 ms bundled with this cache.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/** The bundle, beside this file. */
export const BUNDLE = join(__dirname, 'tsbpf.cjs');

/** The bundle's first line: `// tsbpf bundle <id>`, the id being a hash of the rest. */
const HEAD = /^\/\/ tsbpf bundle ([0-9a-f]{16})\n/;

/** The code cache file of the bundle whose text is `source`, or undefined for a bundle without an id. */
export function cacheFileOf(source: string): string | undefined {
  const id = HEAD.exec(source)?.[1];
  return id === undefined ? undefined : join(__dirname, `tsbpf.${id}.v8cache`);
}

/** The bundle compiled (as Node wraps a CommonJS module), with its code cache when there is one. */
export function compileBundle(): { script: Script; source: string; cacheFile: string | undefined; cached: boolean } {
  const source = readFileSync(BUNDLE, 'utf8');
  const cacheFile = cacheFileOf(source);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== undefined) cachedData = readFileSync(cacheFile);
  } catch {
    // no cache: compile from source
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  return { script, source, cacheFile, cached: cachedData !== undefined && !script.cachedDataRejected };
}

/** Runs the bundled CLI; with TSBPF_WRITE_CODE_CACHE set (by the build), saves the code cache at exit. */
function run(): void {
  const { script, cacheFile } = compileBundle();
  if (process.env.TSBPF_WRITE_CODE_CACHE !== undefined && cacheFile !== undefined) {
    process.on('exit', () => {
      // V8 accepts a cache only under the flags it was made with, and main.ts turns inlining off
      // for `btf` commands (c-header-flags.ts four more passes for C headers): back to the flags
      // every run starts with.
      for (const flag of [
        '--turbo-inlining',
        '--turbo-loop-peeling',
        '--turbo-load-elimination',
        '--turbo-escape',
        '--turbo-splitting',
      ]) {
        setFlagsFromString(flag);
      }
      writeFileSync(cacheFile, script.createCachedData());
    });
  }
  const bundled = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(bundled.exports, bundled.exports, createRequire(BUNDLE), bundled, BUNDLE, __dirname);
}

if (require.main === module) {
  try {
    run();
  } catch (err) {
    // A checkout compiled with `tsc` alone has no bundle: say what builds it, not ENOENT's stack.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (err as NodeJS.ErrnoException).path !== BUNDLE) throw err;
    process.stderr.write(`tsbpf: ${BUNDLE} is missing: build it with \`npm run build\`\n`);
    process.exitCode = 1;
  }
}
