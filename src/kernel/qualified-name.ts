/**
 * Names qualified by the BTF object they live in, as libbpf spells them: `veth:veth_xmit` for a
 * module's type, `vmlinux:name` to look in vmlinux only.
 * @module
 */
import { UsageError } from '../errors.js';

/** A possibly qualified type name. */
export interface QualifiedName {
  /** `vmlinux`, a module name, or `undefined` for "anywhere". */
  object: string | undefined;
  /** The type name. */
  name: string;
}

/**
 * Splits `module:name`. A name without a colon is unqualified.
 * @throws {UsageError} for an empty object or name (`:x`, `veth:`).
 */
export function parseQualifiedName(text: string): QualifiedName {
  const colon = text.indexOf(':');
  if (colon < 0) {
    if (text === '') throw new UsageError('empty type name');
    return { object: undefined, name: text };
  }
  const object = text.slice(0, colon);
  const name = text.slice(colon + 1);
  if (object === '' || name === '') throw new UsageError(`'${text}': want <module>:<name> or vmlinux:<name>`);
  return { object, name };
}
