/**
 * Filling the `.kconfig` map: Kconfig externs (`extern int CONFIG_HZ __kconfig;`) get their
 * values from the kernel's configuration text (`/proc/config.gz`, `/boot/config-*`), and the
 * virtual ones (`LINUX_KERNEL_VERSION`, `LINUX_HAS_*`) from the caller, with libbpf's rules:
 * `y`/`n`/`m` for bools, tristates and chars, quoted strings for char arrays, numbers (decimal,
 * hex, octal) for integers that must fit; a missing value is an error unless the extern is weak,
 * which then reads 0.
 *
 * @module
 */

import { resolveType } from '../btf/layout.js';
import type { Type } from '../btf/types.js';
import { ObjectError } from '../errors.js';
import { encodeUtf8 } from '../internal/utf8.js';
import type { ExternSpec } from './object-spec.js';

/**
 * `CONFIG_*` options of a kernel configuration text: `CONFIG_X=value` lines (comments, including
 * `# CONFIG_X is not set`, are not values). Values are kept as written.
 */
export function parseKconfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('CONFIG_')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** `KERNEL_VERSION(a, b, c)` as `LINUX_KERNEL_VERSION` holds it (the patch level capped at 255). */
export function kernelVersionCode(major: number, minor: number, patch: number): number {
  return ((major << 16) + (minor << 8) + Math.min(patch, 255)) >>> 0;
}

/**
 * The `.kconfig` map's value for `externs`.
 *
 * @param config - `CONFIG_*` values ({@link parseKconfig})
 * @param virtuals - values of the `LINUX_*` externs (`LINUX_KERNEL_VERSION`, `LINUX_HAS_BPF_COOKIE`...)
 * @throws {@link ObjectError} naming the extern for a value that is missing (and the extern not
 *   weak), of the wrong form for its type, or too large for it.
 */
export function kconfigData(
  externs: readonly ExternSpec[],
  littleEndian: boolean,
  config: ReadonlyMap<string, string>,
  virtuals: Readonly<Record<string, number | bigint | boolean>> = {},
): Uint8Array {
  const kcfg = externs.filter((e) => e.kind === 'kconfig');
  const size = kcfg.reduce((n, e) => Math.max(n, e.offset + e.size), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (const ext of kcfg) {
    const where = { section: '.kconfig', symbol: ext.name };
    const type = ext.type === undefined ? undefined : resolveType(ext.type);
    if (type === undefined) throw new ObjectError('Kconfig extern without a type', where);
    let value: string | undefined;
    if (ext.name.startsWith('LINUX_')) {
      const v = virtuals[ext.name];
      if (v !== undefined) value = typeof v === 'boolean' ? (v ? 'y' : 'n') : String(v);
    } else {
      value = config.get(ext.name);
    }
    if (value === undefined) {
      if (ext.weak) continue;
      throw new ObjectError('no value for this Kconfig extern, and it is not __weak', where);
    }
    put(view, out, ext, type, value, littleEndian, where);
  }
  return out;
}

function put(
  view: DataView,
  out: Uint8Array,
  ext: ExternSpec,
  type: Type,
  value: string,
  le: boolean,
  where: { section: string; symbol: string },
): void {
  const at = ext.offset;
  const tri = value === 'y' || value === 'n' || value === 'm' ? value : undefined;
  if (type.kind === 'enum' && type.name === 'libbpf_tristate') {
    if (tri === undefined) throw new ObjectError(`value '${value}' is not y, n or m`, where);
    writeInt(view, at, ext.size, BigInt(tri === 'y' ? 1 : tri === 'm' ? 2 : 0), le);
    return;
  }
  if (type.kind === 'int' && type.bool) {
    if (tri === 'm') throw new ObjectError("value 'm' for a bool", where);
    if (tri === undefined) throw new ObjectError(`value '${value}' is not y or n`, where);
    out[at] = tri === 'y' ? 1 : 0;
    return;
  }
  if (type.kind === 'int' && type.size === 1 && type.char && tri !== undefined) {
    out[at] = tri.charCodeAt(0);
    return;
  }
  if (type.kind === 'array') {
    if (!value.startsWith('"') || !value.endsWith('"') || value.length < 2) {
      throw new ObjectError(`value '${value}' is not a quoted string`, where);
    }
    const bytes = encodeUtf8(value.slice(1, -1));
    const n = Math.min(bytes.length, ext.size - 1);
    out.set(bytes.subarray(0, n), at);
    return;
  }
  if (type.kind === 'int' || type.kind === 'enum') {
    let n: bigint;
    try {
      n = parseNumber(value);
    } catch {
      throw new ObjectError(`value '${value}' is not a number`, where);
    }
    if (ext.size !== 1 && ext.size !== 2 && ext.size !== 4 && ext.size !== 8) {
      throw new ObjectError(`an integer of ${ext.size} bytes cannot be filled`, where);
    }
    const bits = BigInt(ext.size * 8);
    const signed = type.kind === 'int' ? type.signed : type.signed === true;
    const fits = signed ? n >= -(1n << (bits - 1n)) && n < 1n << (bits - 1n) : n >= 0n && n < 1n << bits;
    if (!fits) throw new ObjectError(`value ${value} does not fit ${ext.size} bytes`, where);
    writeInt(view, at, ext.size, n, le);
    return;
  }
  throw new ObjectError(`Kconfig extern of type ${type.kind} cannot hold '${value}'`, where);
}

/** strtoull with base 0: `0x` hex, leading `0` octal, else decimal; an optional sign. */
function parseNumber(s: string): bigint {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) throw new Error('not a number');
  const body = m[2]!;
  const v =
    body.length > 1 && body[0] === '0' && body[1] !== 'x' && body[1] !== 'X' ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  return m[1] === '-' ? -v : v;
}

function writeInt(view: DataView, at: number, size: number, v: bigint, le: boolean): void {
  const u = BigInt.asUintN(size * 8, v);
  if (size === 1) view.setUint8(at, Number(u));
  else if (size === 2) view.setUint16(at, Number(u), le);
  else if (size === 4) view.setUint32(at, Number(u), le);
  else view.setBigUint64(at, u, le);
}
