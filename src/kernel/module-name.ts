/**
 * A kernel module's name from the name of a file that holds its BTF: `veth` for `veth`,
 * `veth.ko`, `veth.ko.xz`, `veth.btf` or `/lib/modules/.../veth.ko.zst`. The one rule for the
 * registry's directory listing and for the CLI's output names.
 * @module
 */
import { basename } from 'node:path';

/** Compression suffixes, stripped first, then one of the file suffixes. */
const COMPRESSION = ['.xz', '.zst', '.gz', '.br'];
const SUFFIXES = ['.ko', '.btf', '.o'];

/**
 * The module name of a path: its file name without a compression suffix (`.xz`, `.zst`, `.gz`,
 * `.br`) and then without `.ko`, `.btf` or `.o`. A name that would become empty is kept.
 */
export function moduleNameOf(path: string): string {
  // The usual case, a sysfs name (`veth`): nothing to strip.
  if (!path.includes('.') && !path.includes('/')) return path;
  let name = basename(path);
  for (const ext of COMPRESSION) {
    if (name.endsWith(ext) && name.length > ext.length) {
      name = name.slice(0, -ext.length);
      break;
    }
  }
  for (const ext of SUFFIXES) {
    if (name.endsWith(ext) && name.length > ext.length) return name.slice(0, -ext.length);
  }
  return name;
}
