/**
 * Attaching every loaded program of a collection as its section says: libbpf's skeleton
 * `__attach()`, and what `tsbpf load` does program by program.
 *
 * @module
 */
import type { Link } from '../link/link.js';
import { autoAttach } from './auto-attach.js';
import type { Collection } from './collection.js';

/**
 * Attaches each program `collection` loaded through {@link autoAttach}, in the object's order,
 * and hands the links to the collection (they close with it). Programs whose section names no
 * target (xdp, tc, socket, cgroup...) are left for the caller to attach.
 *
 * @returns the links by program name.
 * @throws what {@link autoAttach} throws for the first program that fails; the links this call
 *   made before it are closed first, so nothing stays half-attached.
 */
export function attachPrograms(collection: Collection): Map<string, Link> {
  const links = new Map<string, Link>();
  try {
    for (const spec of collection.spec.programs) {
      const prog = collection.programs.get(spec.name);
      if (prog === undefined) continue; // not loaded: autoload off, a subprogram, or failed with keepGoing
      const link = autoAttach(prog, spec);
      if (link !== undefined) links.set(spec.name, link);
    }
  } catch (err) {
    for (const link of links.values()) link.close();
    throw err;
  }
  for (const link of links.values()) collection.adopt(link);
  return links;
}
