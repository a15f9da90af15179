/**
 * A map whose keys and values have TypeScript types: the static face of a {@link BpfMap}, whose
 * codec already turns keys and values into plain objects through the map's BTF. Generated
 * skeletons type each map with one; users can type their own the same way.
 *
 * @module
 */
import type { BpfMap, MapInput } from './map.js';

/**
 * `K` and `V` are what the map's BTF decodes to (see {@link BpfMap.lookup}); nothing is checked
 * at run time beyond what the codec checks.
 */
export class TypedMap<K, V> {
  /** @param map the map underneath, for everything the typed face leaves out (batches, pins, freeze...). */
  constructor(readonly map: BpfMap) {}

  /** The value under `key`, or undefined. */
  lookup(key: K): V | undefined {
    return this.map.lookup(key as MapInput) as V | undefined;
  }

  /** Sets the value under `key` (`flags`: `BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`...). */
  update(key: K, value: V, flags = 0): void {
    this.map.update(key as MapInput, value as MapInput, flags);
  }

  /** Removes `key`; whether it was there. */
  delete(key: K): boolean {
    return this.map.delete(key as MapInput);
  }

  /** Every key and value. */
  *entries(): Generator<[K, V], void, undefined> {
    for (const [k, v] of this.map.entries()) yield [k as K, v as V];
  }
}
