/**
 * Telling an ELF file from anything else by its first four bytes, without the ELF reader.
 * @module
 */

/** Whether `bytes` start with the ELF magic (`\x7fELF`). */
export function isElf(bytes: Uint8Array): boolean {
  return bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}
