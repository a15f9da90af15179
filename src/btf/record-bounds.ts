/**
 * A check that a record still has the extent it had when the spec was opened. A spec keeps the
 * caller's bytes without copying them; the bytes must not change afterwards, but if they do, a
 * record whose kind or vlen grew would have writers read items far past it (millions of lines of
 * garbage per type): this check turns that into an error instead. It costs a few operations per
 * type.
 * @module
 */
import { BtfError } from '../errors.js';
import { knownRecordWords } from './wire.js';

/**
 * Throws unless the record of type `id`, starting at word `head` of `words` and followed by the
 * record at word `next` (or the end of `words`), still fits: its kind and vlen ask for no more
 * words than that.
 * @throws {BtfError} naming the type when the record overruns its extent.
 */
export function checkRecordExtent(words: Uint32Array, head: number, next: number, id: number): void {
  const info = words[head + 1];
  if (info === undefined) throw new BtfError('record lies past the type section (bytes changed after loading?)', { typeId: id });
  // A kind only a layout section sizes (need 0) is not checked.
  const need = knownRecordWords(info);
  if (head + need > next) {
    throw new BtfError(
      `record of ${need * 4} bytes overruns its ${(next - head) * 4}: the BTF bytes changed after loading, which they must not`,
      { typeId: id },
    );
  }
}
