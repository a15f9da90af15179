/**
 * Paths as they appear in messages: as given, unless they hold bytes that would break a
 * one-line message or a terminal (newlines, control characters) or bytes that are not UTF-8.
 * @module
 */

/** Control characters, DEL, and the replacement character Node puts where a name was not UTF-8. */
function isUnsafe(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0xfffd) return true;
  }
  return false;
}

/**
 * `path` for a message: unchanged when plain, else JSON-quoted (`"a\nb"`), so a message stays one
 * line and shows where the odd bytes are.
 */
export function displayPath(path: string): string {
  return isUnsafe(path) ? JSON.stringify(path) : path;
}

/**
 * Whether a path given as a string lost bytes on its way in: Node decodes argv and directory
 * entries as UTF-8 and replaces what is not with U+FFFD, so such a path names another file.
 */
export function isMangledPath(path: string): boolean {
  return path.includes('\ufffd');
}

/**
 * A file name given as bytes, for a message: as text when it is printable UTF-8, else
 * double-quoted with each byte outside printable ASCII as `\xNN`.
 */
export function displayName(bytes: Uint8Array): string {
  const text = utf8(bytes);
  if (text !== undefined && !isUnsafe(text)) return text;
  let out = '"';
  for (const b of bytes) {
    out += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes` decoded as UTF-8, or `undefined` when they are not valid UTF-8. */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
