/**
 * An ELF string table (`SHT_STRTAB`): NUL-terminated names addressed by byte offset.
 *
 * @module
 */

import { ElfError } from '../errors.js';
import { decodeUtf8 } from '../internal/utf8.js';

/**
 * Reads names out of one string table section. Holds a view of the section's bytes (no copy)
 * and decodes a name only when it is asked for.
 */
export class ElfStringTable {
  /** The table's bytes (a view into the file). */
  readonly bytes: Uint8Array;
  /** Name of the section the table came from, used in error messages. */
  readonly sectionName: string;
  /** File offset of the table, so errors can give absolute offsets. */
  readonly fileOffset: number;

  /**
   * @param bytes - the section's data
   * @param sectionName - how to name the section in errors
   * @param fileOffset - file offset of `bytes[0]`
   */
  constructor(bytes: Uint8Array, sectionName: string, fileOffset: number) {
    this.bytes = bytes;
    this.sectionName = sectionName;
    this.fileOffset = fileOffset;
  }

  /**
   * The NUL-terminated string starting at `offset`.
   *
   * @throws {@link ElfError} if `offset` is outside the table or the string has no NUL
   *   before the table's end.
   */
  get(offset: number): string {
    const bytes = this.bytes;
    if (offset === 0 && bytes.length > 0 && bytes[0] === 0) return '';
    if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
      throw new ElfError(`name offset ${offset} out of range (table size ${bytes.length})`, {
        section: this.sectionName,
        offset: this.fileOffset,
      });
    }
    const end = bytes.indexOf(0, offset);
    if (end < 0) {
      throw new ElfError(`unterminated name at table offset ${offset}`, {
        section: this.sectionName,
        offset: this.fileOffset + offset,
      });
    }
    return decodeUtf8(bytes, offset, end);
  }
}
