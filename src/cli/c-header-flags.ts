/**
 * V8 settings for writing a C header (`btf dump ... format c`).
 *
 * A header of vmlinux is a run of about a quarter second in which V8's optimizing compiler,
 * on background threads, took some 40 % of the CPU: the writer's functions are large and are
 * compiled (and, as new kinds of types show up, recompiled) while the dump runs, and the run is
 * over before most of what the costlier passes buy pays back. Turning off four of them (loop
 * peeling, load and escape elimination, block splitting) makes each compilation cheaper and the
 * code a little slower, which for a run this short is a gain: whole process, vmlinux's header
 * 274 ms of CPU to 242 (medians of 11, load 14), with 20 modules 498 to 454. The raw and JSON
 * dumps gain nothing from it (their writers are small) and keep the defaults.
 *
 * Set before the writer's code is first optimized. `bin.cts` resets them before it saves the
 * code cache, as V8 takes a cache only under the flags it was made with.
 * @module
 */
import { setFlagsFromString } from 'node:v8';

/** The optimizing compiler's passes a C header dump turns off. */
export const C_HEADER_V8_FLAGS = [
  '--no-turbo-loop-peeling',
  '--no-turbo-load-elimination',
  '--no-turbo-escape',
  '--no-turbo-splitting',
] as const;

/** Turns off {@link C_HEADER_V8_FLAGS}' passes for the rest of the process. */
export function tuneV8ForCHeader(): void {
  for (const flag of C_HEADER_V8_FLAGS) setFlagsFromString(flag);
}
