/**
 * The kernel's use of the BTF string index: the index itself lives in `btf/string-index.ts`;
 * this file keeps the registry's imports working and finds the vmlinux names a module's records
 * use, through the BTF record walk.
 * @module
 */
import { walkRecords } from '../btf/wire.js';

export { type StringHit, StringIndex } from '../btf/string-index.js';

/**
 * The name offsets below `limit` (that is, into the base's strings) that the type records of a
 * split blob's type section use, or `undefined` when a record cannot be walked (an unknown kind):
 * then the caller must assume the blob may use any.
 * @throws {BtfError} when a record overruns the section.
 */
export function baseNameOffsets(types: Uint8Array, littleEndian: boolean, limit: number): Set<number> | undefined {
  const out = new Set<number>();
  const walked = walkRecords(types, littleEndian, (_, nameOff) => {
    if (nameOff !== 0 && nameOff < limit) out.add(nameOff);
  });
  return walked ? out : undefined;
}
