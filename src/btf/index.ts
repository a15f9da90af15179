/**
 * The pure BTF core: decode base and split BTF lazily, look types up, validate, and format.
 * @module
 */
export { type Header, parseHeader } from './header.js';
export * from './kinds.js';
export { loadSpec, loadSplitSpec, Spec } from './spec.js';
export { StringTable } from './strings.js';
export * from './types.js';
export { formatRawType, writeRaw } from './format/raw.js';
