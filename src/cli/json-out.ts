/**
 * JSON on standard output as bpftool writes it: compact with `-j`, and with `-p` laid out as
 * bpftool's json_writer lays it out. That layout is not `JSON.stringify(v, null, 4)`: a member
 * starts a new line indented four spaces per level, but the elements of an array follow each
 * other on one line (`[1,2,3`), objects in an array join as `},{`, and a non-empty container
 * closes on a line of its own:
 *
 * ```
 * [{
 *         "id": 1,
 *         "map_ids": [3,4
 *         ]
 *     }
 * ]
 * ```
 * @module
 */

/** `value` as JSON text ending in a newline: compact, or laid out as `bpftool -p` does. */
export function jsonText(value: unknown, pretty: boolean): string {
  const compact = JSON.stringify(value);
  if (!pretty) return `${compact}\n`;
  let text = '';
  const layout = prettyJson((chunk) => {
    text += chunk;
  });
  layout.write(compact);
  layout.end();
  return text;
}

/** A streaming re-layout of compact JSON text; see {@link prettyJson}. */
export interface PrettyJson {
  /** Takes the next piece of the compact text (pieces may split tokens anywhere). */
  write(chunk: string): void;
  /** Finishes the document with a newline. */
  end(): void;
}

const INDENT = '    ';

/**
 * Re-lays out JSON (compact, as `JSON.stringify` or the BTF JSON writer emit it; whitespace
 * between tokens is dropped) the way bpftool's `-p` prints, writing the result to `out` piece by piece, so
 * that a dump of many megabytes is never held twice.
 */
export function prettyJson(out: (chunk: string) => void): PrettyJson {
  /** The open containers: whether each is an object, and how many members or elements it has. */
  const open: { object: boolean; count: number }[] = [];
  let inString = false;
  let escaped = false;
  /** In an object, after `{` or `,`: the next string is a member's name. */
  let expectKey = false;
  /** In an array, after `[` or `,`: the next character starts an element (unless it is `]`). */
  let expectElement = false;
  let buf = '';
  return {
    write(chunk) {
      let start = 0;
      const put = (at: number, text: string) => {
        buf += chunk.slice(start, at) + text;
        start = at;
      };
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c /* \ */) escaped = true;
          else if (c === 0x22 /* " */) inString = false;
          continue;
        }
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          // Whitespace between tokens (a writer's final newline) is dropped: the layout is ours.
          buf += chunk.slice(start, i);
          start = i + 1;
          continue;
        }
        if (expectKey && c === 0x22) {
          // A member's name starts a new line, indented by its depth.
          put(i, `\n${INDENT.repeat(open.length)}`);
          open[open.length - 1]!.count++;
          expectKey = false;
          inString = true;
          continue;
        }
        if (expectElement && c !== 0x5d) open[open.length - 1]!.count++;
        expectElement = false;
        switch (c) {
          case 0x22: // "
            inString = true;
            break;
          case 0x7b: // {
            open.push({ object: true, count: 0 });
            expectKey = true;
            break;
          case 0x5b: // [
            open.push({ object: false, count: 0 });
            expectElement = true;
            break;
          case 0x7d: // }
          case 0x5d: {
            // ]: a container that holds anything closes on a line of its own.
            expectKey = false;
            if (open.pop()!.count > 0) put(i, `\n${INDENT.repeat(open.length)}`);
            break;
          }
          case 0x2c: // ,
            if (open[open.length - 1]!.object) expectKey = true;
            else expectElement = true;
            break;
          case 0x3a: // :
            put(i + 1, ' ');
            break;
        }
      }
      buf += chunk.slice(start);
      if (buf.length >= 1 << 16) {
        out(buf);
        buf = '';
      }
    },
    end() {
      out(`${buf}\n`);
      buf = '';
    },
  };
}
