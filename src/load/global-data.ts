/**
 * A global-data section (`.bss`, `.data`, `.rodata` and their `.name` variants) as an object of
 * its variables: each property reads the section's map and decodes the variable through BTF;
 * setting one (on a writable section) writes it back. Generated skeletons give one per section.
 *
 * @module
 */
import { TsbpfError } from '../errors.js';
import type { BpfMap, MapInput } from './map.js';

/**
 * An object whose property `name`, for each of `names`, is that variable of the section held by
 * `map` (its single element, decoded as `{ variable: value }`). Each read is a lookup: it sees
 * what the programs wrote since. Each write on a `writable` section reads the section, changes the
 * variable and writes the whole section back (not atomic against programs writing it meanwhile).
 *
 * @throws {@link TsbpfError} on setting a variable of a section that is not writable (`.rodata`
 *   is frozen once loaded); kernel errors as {@link BpfMap.lookup} and {@link BpfMap.update} throw.
 */
export function globalVariables<T>(map: BpfMap, names: readonly string[], writable: boolean): T {
  const section = (): Record<string, unknown> => (map.lookup(0) ?? {}) as Record<string, unknown>;
  const out = {};
  for (const name of names) {
    Object.defineProperty(out, name, {
      enumerable: true,
      get: () => section()[name],
      set: (value: unknown) => {
        if (!writable) throw new TsbpfError(`${map.name}: variable ${name} is read-only once loaded`);
        map.update(0, { ...section(), [name]: value } as MapInput);
      },
    });
  }
  return out as T;
}

/** Sets each variable that `values` gives through `section`'s properties (and so through its map). */
export function assignVariables<T extends object>(section: T, values: Partial<T> | undefined): void {
  for (const [name, value] of Object.entries(values ?? {})) {
    if (value !== undefined) (section as Record<string, unknown>)[name] = value;
  }
}
