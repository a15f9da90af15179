/**
 * `tsbpf/btf` as Node programs import it: the pure BTF core (`src/btf/index.ts`) and
 * `openSpecFile`, the path form of `openSpec`, which needs `node:fs` and so cannot live in the
 * pure folder. `package.json` maps `tsbpf/btf` here under the `node` condition and to the pure
 * core elsewhere (a browser bundle), so the same import gives the file function wherever files
 * exist. See docs/architecture.md, "Entries".
 * @module
 */

export * from '../btf/index.js';
export { type OpenSpecFileOptions, openSpecFile } from '../kernel/spec-file.js';
