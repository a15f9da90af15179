#!/usr/bin/env node
/**
 * `npm run bench [-- OPTIONS]`: the speed table, every row beside its peer as a ratio
 * (bench/issue14.mjs, which takes the options). The other benchmarks run on their own; see
 * bench/README.md.
 */
await import('./issue14.mjs');
