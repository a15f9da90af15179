/** The CO-RE test objects: test/fixtures/bpf/core/*.bpf.o, compiled from the C sources beside them. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../fixtures.js';

/** test/fixtures/bpf/core. */
export const CORE_FIXTURES = join(FIXTURES, 'bpf', 'core');

/** Paths of every CO-RE fixture object, sorted. */
export function coreFixtureObjects(): string[] {
  return readdirSync(CORE_FIXTURES)
    .filter((f) => f.endsWith('.bpf.o'))
    .sort()
    .map((f) => join(CORE_FIXTURES, f));
}
