/**
 * What a BTF name may contain, per kind, as the kernel's BTF verifier decides
 * (`btf_name_valid_identifier` and `btf_name_valid_section` in kernel/bpf/btf.c):
 *
 * - identifiers (`[A-Za-z_.][A-Za-z0-9_.]*`: C identifiers, and dots for the `func.var` names
 *   compilers give static locals): STRUCT, UNION, ENUM, ENUM64 and their members and
 *   enumerators, FWD, TYPEDEF, FUNC, VAR, and FUNC_PROTO parameters;
 * - section names (any printable ASCII, not empty): DATASEC;
 * - anything not empty: the values of DECL_TAG and TYPE_TAG;
 * - anything: INT and FLOAT (the kernel does not look; `long unsigned int` has spaces).
 *
 * Identifiers and section names are at most `KSYM_NAME_LEN` = 512 bytes (Linux 6.1 raised it from
 * 128). The kernel's `isalpha`/`isprint` accept Latin-1 bytes 0xc0-0xff but 0xd7 and 0xf7 (and
 * `isprint` 0xa0-0xff) as well (lib/ctype.c): validation follows it ({@link kernelNameFault}),
 * so it never refuses a name the kernel takes, while {@link identifierFault} (what C can spell)
 * takes ASCII only. UTF-8 always carries a byte of 0x80-0xbf, which no identifier may hold. Checked
 * against Linux 6.18 with BPF_BTF_LOAD: `a.b` and `.ab` pass as struct and VAR names, `a-b`,
 * `a b`, `1ab`, UTF-8 and 513 bytes do not; INT names and tag values may hold a newline.
 * @module
 */
import { noteStringBounds } from './string-bounds.js';

/** The longest identifier or section name the kernel accepts: `KSYM_NAME_LEN`. */
export const MAX_NAME_LENGTH = 512;

/**
 * Per byte: 1 may start an identifier, 2 may continue one (a dot does both, as in the kernel).
 * Exported for the C header writer, which checks member names as it copies them.
 */
export const IDENT = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_.]/.test(ch)) IDENT[c] = 3;
  else if (/[0-9]/.test(ch)) IDENT[c] = 2;
}

/** Per byte, as {@link IDENT}, for the kernel's ctype: ASCII plus the Latin-1 letters. */
const KERNEL_IDENT = IDENT.slice();
/** Per byte: 1 if the kernel's `isprint` takes it. */
const KERNEL_PRINT = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if (c >= 0xc0 && c !== 0xd7 && c !== 0xf7) KERNEL_IDENT[c] = 3;
  KERNEL_PRINT[c] = (c >= 0x20 && c <= 0x7e) || c >= 0xa0 ? 1 : 0;
}

/** Per byte, both tables in one for {@link kernelNameVerdicts}: {@link KERNEL_IDENT}'s bits, and 4 if printable. */
const KERNEL_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) KERNEL_CLASS[c] = (KERNEL_IDENT[c] as number) | ((KERNEL_PRINT[c] as number) << 2);

/**
 * Why the kernel refuses the NUL-terminated name at `bytes[start]` as an identifier
 * (`section` false: btf_name_valid_identifier) or as a section name (`section` true:
 * btf_name_valid_section, Linux 6.4 and later), or `undefined` if it takes it.
 */
export function kernelNameFault(bytes: Uint8Array, start: number, section: boolean): string | undefined {
  const first = bytes[start] ?? 0;
  if (first === 0) return 'is empty';
  if (!section && (KERNEL_IDENT[first]! & 1) === 0) return 'does not start with a letter, _ or .';
  let i = start;
  for (let c = first; c !== 0; c = bytes[++i] ?? 0) {
    if (section ? KERNEL_PRINT[c] === 0 : i > start && (KERNEL_IDENT[c]! & 2) === 0) {
      return section ? 'has a character that is not printable' : 'has a character other than letters, digits, _ and .';
    }
    if (i - start >= MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} bytes`;
  }
  return undefined;
}

/** In {@link kernelNameVerdicts}: the string at this offset is an identifier the kernel takes. */
export const IDENTIFIER_OK = 1;
/** In {@link kernelNameVerdicts}: the string at this offset is a section name the kernel takes. */
export const SECTION_OK = 2;

/**
 * The kernel's verdict on the name at every offset of a string section, as {@link kernelNameFault}
 * gives it, in bits: {@link IDENTIFIER_OK} and {@link SECTION_OK}. One backward pass keeps, for each
 * byte, whether the rest of its string up to the NUL holds only identifier (or printable)
 * characters and how long it is, so an offset into the middle of a string is judged as the
 * kernel judges it. vmlinux names about a million members, parameters and enumerators with a
 * tenth as many strings: a lookup per name, and one tight loop over the bytes that the engine
 * optimizes early, cost less than scanning each string on first sight.
 */
export function kernelNameVerdicts(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const out = new Uint8Array(n);
  let len = 0;
  // What the rest of the string (from the byte at hand to its NUL) allows, as KERNEL_CLASS
  // bits: 2 while every byte may continue an identifier, 4 while every byte is printable. One
  // AND per byte, and the verdict of the offset an AND and a shift of it: this reads every byte
  // of vmlinux's 1.8 MB of strings, and two table lookups and branches per byte cost half again.
  let rest = 6;
  // Measured on the way for string-bounds.ts, which would otherwise read every byte again.
  let longest = 0;
  let nuls = 0;
  for (let i = n - 1; i >= 0; i--) {
    const c = bytes[i] as number;
    if (c === 0) {
      if (len > longest) longest = len;
      nuls++;
      len = 0;
      rest = 6;
      continue;
    }
    len++;
    const cls = KERNEL_CLASS[c] as number;
    rest &= cls;
    // IDENTIFIER_OK when this byte may start an identifier and the rest continue one;
    // SECTION_OK when the rest is printable.
    if (len <= MAX_NAME_LENGTH) out[i] = (rest >>> 1) & (cls | SECTION_OK) & (IDENTIFIER_OK | SECTION_OK);
  }
  noteStringBounds(bytes, Math.max(len, longest), nuls);
  return out;
}

/** Why the NUL-terminated name at `bytes[start]` is not a C identifier, or `undefined` if it is. */
export function identifierFault(bytes: Uint8Array, start: number): string | undefined {
  const first = bytes[start] ?? 0;
  if (first === 0) return 'is empty';
  if ((IDENT[first]! & 1) === 0) return 'does not start with a letter, _ or .';
  let i = start + 1;
  for (let c = bytes[i] ?? 0; c !== 0; c = bytes[++i] ?? 0) {
    if ((IDENT[c]! & 2) === 0) return 'has a character other than letters, digits, _ and .';
    if (i - start >= MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} bytes`;
  }
  return undefined;
}

/** Why the name at `bytes[start]` is not a section name (printable ASCII), or `undefined`. */
export function sectionNameFault(bytes: Uint8Array, start: number): string | undefined {
  if ((bytes[start] ?? 0) === 0) return 'is empty';
  let i = start;
  for (let c = bytes[i] ?? 0; c !== 0; c = bytes[++i] ?? 0) {
    if (c < 0x20 || c > 0x7e) return 'has a character that is not printable ASCII';
    if (i - start >= MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} bytes`;
  }
  return undefined;
}

/**
 * Whether the name at `bytes[start]` can stand in C as the name of a basic type: identifiers
 * separated by single spaces (`long unsigned int`, `_Bool`, `__int128 unsigned`).
 */
export function isBasicTypeName(bytes: Uint8Array, start: number): boolean {
  let i = start;
  let wordStart = true;
  for (let c = bytes[i] ?? 0; c !== 0; c = bytes[++i] ?? 0) {
    if (c === 0x20) {
      if (wordStart) return false;
      wordStart = true;
      continue;
    }
    if ((IDENT[c]! & (wordStart ? 1 : 2)) === 0) return false;
    wordStart = false;
  }
  return i > start && !wordStart;
}

/**
 * A name as messages show it: in quotes, with bytes outside printable ASCII (and `\` and `'`)
 * written as `\xNN`, cut after 64 bytes. Untrusted bytes never reach a terminal or a log as is.
 */
export function quoteName(bytes: Uint8Array, start: number): string {
  let s = "'";
  let i = start;
  for (let c = bytes[i] ?? 0; c !== 0; c = bytes[++i] ?? 0) {
    if (i - start >= 64) return `${s}'...`;
    s += c < 0x20 || c > 0x7e || c === 0x5c || c === 0x27 ? `\\x${c.toString(16).padStart(2, '0')}` : String.fromCharCode(c);
  }
  return `${s}'`;
}
