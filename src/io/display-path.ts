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
