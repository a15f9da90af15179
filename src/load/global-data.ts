/**
 * A global-data section (`.bss`, `.data`, `.rodata` and their `.name` variants) of a loaded
 * collection as an object of its variables, as libbpf's skeletons give `skel->bss->counter`.
 *
 * The section's map is created with `BPF_F_MMAPABLE` (as libbpf does), so its one value is
 * mapped into this process: reading a variable decodes its bytes in place, with no system call,
 * and sees what programs wrote since; setting one encodes it apart and copies it over its own
 * bytes only, so programs writing the section's other variables meanwhile lose nothing. `.rodata`
 * is mapped read-only (the kernel froze it once it was filled). A section whose map cannot be
 * mapped (made without the flag, a kernel before 5.5) is read and written through the map
 * instead: a lookup per read, and per write a lookup of the whole section and an update of it.
 *
 * @module
 */
import type { Type } from '../btf/types.js';
import { KernelError, NotFoundError, TsbpfError } from '../errors.js';
import { BPF_F_MMAPABLE } from '../obj/maps.js';
import { type Mapping, Prot } from '../sys/ffi.js';
import { mmapFd } from '../sys/perf.js';
import { decodeValue, encodeValue, type Value } from './btf-value.js';
import type { Collection } from './collection.js';
import type { MapInput } from './map.js';
import { pageSize } from './page-size.js';

/** A variable's place in its section. */
interface Variable {
  readonly name: string;
  readonly type: Type;
  readonly offset: number;
}

/**
 * The variables of global-data section `section` (the map's name: `.bss`, `.rodata.cfg`...) of
 * `collection`, as an object whose property `name` is variable `name`, decoded through BTF (see
 * the module comment for reads and writes). The mapping is released when the collection closes;
 * the object throws from then on.
 *
 * @throws {@link NotFoundError} when the collection has no such section, or it was not created;
 *   {@link TsbpfError} when its map has no DATASEC to name its variables; on setting a variable of
 *   a read-only section, or any variable once the collection is closed; when a value does not fit
 *   its variable's type.
 */
export function globalVariables<T>(collection: Collection, section: string): T {
  const spec = collection.spec.maps.find((m) => m.name === section);
  const map = collection.maps.get(section);
  if (spec === undefined || map === undefined) throw new NotFoundError(`global data ${section}: no such map was loaded`);
  const datasec = map.btf?.value;
  const resolver = map.btf?.spec;
  if (datasec?.kind !== 'datasec' || resolver === undefined)
    throw new TsbpfError(`global data ${section}: its map has no DATASEC naming its variables`);
  const variables: Variable[] = [];
  for (const v of datasec.vars) {
    const t = resolver.typeById(v.typeId);
    if (t?.kind === 'var') variables.push({ name: t.name, type: t.type, offset: v.offset });
  }
  const writable = !spec.readOnly;
  let closed = false;
  let mapping: Mapping | undefined;
  if ((map.flags & BPF_F_MMAPABLE) !== 0) {
    const length = Math.ceil(map.valueSize / pageSize()) * pageSize();
    try {
      mapping = mmapFd(map.fd, length, writable ? Prot.READ | Prot.WRITE : Prot.READ, 0, section);
    } catch (err) {
      if (!(err instanceof KernelError)) throw err; // else read and written through the map
    }
  }
  let memory = mapping !== undefined ? new Uint8Array(mapping.buffer, 0, map.valueSize) : undefined;
  collection.adopt({
    close: () => {
      closed = true;
      memory = undefined;
      mapping?.unmap();
    },
  });
  const live = (): Uint8Array | undefined => {
    if (closed) throw new TsbpfError(`global data ${section}: the collection is closed`);
    return memory;
  };
  const out = {};
  for (const v of variables) {
    Object.defineProperty(out, v.name, {
      enumerable: true,
      get: (): Value | undefined => {
        const bytes = live();
        if (bytes !== undefined) return decodeValue(v.type, bytes, v.offset, resolver);
        return (map.lookup(0) as Record<string, Value> | undefined)?.[v.name];
      },
      set: (value: Value) => {
        const bytes = live();
        if (!writable) throw new TsbpfError(`global data ${section}: variable ${v.name} is read-only once loaded`);
        if (bytes === undefined) {
          map.update(0, { ...(map.lookup(0) as Record<string, Value>), [v.name]: value } as MapInput);
          return;
        }
        let encoded: Uint8Array;
        try {
          encoded = encodeValue(v.type, value, resolver);
        } catch (err) {
          throw new TsbpfError(`global data ${section}: variable ${v.name}: ${(err as Error).message}`, { cause: err });
        }
        bytes.set(encoded, v.offset);
      },
    });
  }
  return out as T;
}

/** Sets each variable that `values` gives through `section`'s properties (and so in the kernel). */
export function assignVariables<T extends object>(section: T, values: Partial<T> | undefined): void {
  for (const [name, value] of Object.entries(values ?? {})) {
    if (value !== undefined) (section as Record<string, unknown>)[name] = value;
  }
}
