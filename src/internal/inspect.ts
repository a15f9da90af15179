/**
 * How objects print in Node's `console.log` and `util.inspect`, without importing `node:util`:
 * Node looks for a method under the registered symbol `nodejs.util.inspect.custom`, which
 * `Symbol.for` reaches from pure code (elsewhere the method is simply never called).
 * @module
 */

/** The key under which Node's `util.inspect` looks for an object's own printing method. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** The options Node passes to an inspect method: only what tsbpf reads of them. */
export interface InspectOptions {
  /** How many more levels of nesting to print; `null` for all. */
  depth?: number | null;
  [option: string]: unknown;
}

/** Node's `util.inspect`, as passed to an inspect method (Node 16.14 and later). */
export type InspectFunction = (value: unknown, options?: InspectOptions) => string;

/**
 * `label` followed by `body` as Node would print it in the object's place (with the depth left
 * there); just `[label]` when the depth is spent or Node passed no `inspect` (an older Node).
 */
export function inspectAs(label: string, body: object, depth: number, options: InspectOptions, inspect: unknown): string {
  if (depth < 0 || typeof inspect !== 'function') return `[${label}]`;
  const nested = { ...options, depth: options.depth === null || options.depth === undefined ? options.depth : depth };
  return `${label} ${(inspect as InspectFunction)(body, nested)}`;
}
