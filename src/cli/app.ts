/**
 * Global option parsing and dispatch of `tsbpf OBJECT COMMAND ...`. Pure of `process`: `main.ts`
 * supplies the arguments and the {@link Io}, which lets tests run the CLI in-process.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelError, TsbpfError, UsageError } from '../errors.js';
import { btfCommands } from './btf-commands.js';
import { type CommandEntry, type GlobalOptions, type Group, type Io, matchWord } from './command.js';
import { coreCommands } from './core-commands.js';
import { genCommands } from './gen-commands.js';

/**
 * The package's version, printed by `--version`: read from the nearest `package.json` named
 * `tsbpf` above this module (dist/cli in a package, build/src/cli in a test build).
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tsbpf' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** `text` on one line: control characters (a newline in a path or a name) shown escaped. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** With --debug: what lies behind an error, its causes and a kernel log, as further lines. */
function debugLines(err: Error): string[] {
  const lines: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e !== err) lines.push(`tsbpf: caused by: ${e.name}: ${oneLine(e.message)}`);
    if (e instanceof KernelError && e.log !== undefined && e.log.length > 0) {
      lines.push('tsbpf: kernel log:', ...e.log.trimEnd().split('\n'));
    }
    if (!(e instanceof TsbpfError) && e.stack !== undefined) lines.push(...e.stack.split('\n').slice(1));
  }
  return lines;
}

const groups: Group[] = [
  {
    name: 'btf',
    summary: 'inspect BTF: of files, of the running kernel, of kernel modules',
    commands: btfCommands,
  },
  {
    name: 'core',
    summary: 'CO-RE: explain how a BPF object relocates against kernel BTF',
    commands: coreCommands,
  },
  {
    name: 'gen',
    summary: 'generate from BTF: minimal CO-RE BTF, TypeScript skeletons of BPF objects',
    commands: genCommands,
  },
];

/** Commands that stand alone, without an object word (`tsbpf load OBJ`). */
const standalone: CommandEntry[] = [
  {
    name: 'load',
    summary: 'load a BPF object, attach its programs, print its maps',
    load: async () => (await import('./load.js')).load,
  },
  {
    name: 'trace',
    summary: 'count the calls of a kernel or module function',
    load: async () => (await import('./trace.js')).trace,
  },
];

function topUsage(): string {
  const lines = [...groups, ...standalone].map((g) => `  ${g.name.padEnd(6)} ${g.summary}`);
  return `Usage: tsbpf [OPTIONS] OBJECT COMMAND [ARGS]

Objects:
${lines.join('\n')}

Options:
  -j, --json               JSON output
  -p, --pretty             pretty-printed JSON output (implies -j)
  -B, --base-btf <PATH>    base BTF for split BTF input
      --btf-dir <DIR>      a directory laid out like /sys/kernel/btf
      --strict             fail on broken module BTF instead of skipping it
      --debug              after an error, print its causes and the kernel's log
  -h, --help               help for tsbpf, an object, or a command
  -V, --version            print the version

Every word may be abbreviated to a unique prefix: 'tsbpf btf d file x' = 'tsbpf btf dump file x'.
`;
}

function groupUsage(g: Group): string {
  const width = Math.max(...g.commands.map((c) => c.name.length));
  const lines = g.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: tsbpf ${g.name} COMMAND [ARGS]\n\nCommands:\n${lines.join('\n')}\n\n'tsbpf ${g.name} COMMAND --help' describes each.\n`;
}

function standaloneWord(word: string | undefined): boolean {
  return standaloneName(word) !== undefined;
}

/** The standalone command `word` names (exactly or as a prefix), if any. */
function standaloneName(word: string | undefined): string | undefined {
  if (word === undefined) return undefined;
  return standalone.find((c) => c.name === word || (word !== '' && c.name.startsWith(word)))?.name;
}

/** Standalone commands that also read `--debug` themselves. */
const COMMANDS_TAKING_DEBUG: ReadonlySet<string | undefined> = new Set(['load']);

/**
 * Splits global options (allowed anywhere, as getopt permutes them) from positional words. Other
 * options after the command word are left among the words for the command to parse.
 */
export function parseGlobal(argv: readonly string[]): {
  options: GlobalOptions;
  words: string[];
  help: boolean;
  version: boolean;
} {
  const options: GlobalOptions = { json: false, pretty: false, baseBtf: undefined, btfDir: undefined, strict: false };
  const words: string[] = [];
  let help = false;
  let version = false;
  const value = (flag: string, i: number, inline: string | undefined): string => {
    const v = inline ?? argv[i];
    if (v === undefined || v === '') throw new UsageError(`option ${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    switch (flag) {
      case '-j':
      case '--json':
        options.json = true;
        break;
      case '-p':
      case '--pretty':
        options.json = true;
        options.pretty = true;
        break;
      case '-B':
      case '--base-btf':
        options.baseBtf = value(flag, inline === undefined ? ++i : i, inline);
        break;
      case '--btf-dir':
        options.btfDir = value(flag, inline === undefined ? ++i : i, inline);
        break;
      case '--strict':
        options.strict = true;
        break;
      case '--debug':
        // Global anywhere, as bpftool takes its options anywhere; after `load` it is also that
        // command's own option (print the verifier's log).
        if (words.length >= 1 && COMMANDS_TAKING_DEBUG.has(standaloneName(words[0]))) words.push(a);
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      case '-V':
      case '--version':
        version = true;
        break;
      default:
        // Options the global table does not know belong to the command once it is named
        // (`btf merge ... -o OUT`); before that they are errors.
        if (a.startsWith('-') && a.length > 1 && words.length < (standaloneWord(words[0]) ? 1 : 2)) {
          throw new UsageError(`unknown option '${a}'`);
        }
        words.push(a);
    }
  }
  return { options, words, help, version };
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Errors become one
 * line on standard error: exit 2 for usage errors, 1 for everything else.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { options, words, help, version } = parseGlobal(argv);
    if (version) {
      io.out(`tsbpf v${packageVersion()}\n`);
      return 0;
    }
    const [objectWord, commandWord, ...args] = words;
    if (objectWord === undefined) {
      if (help) {
        io.out(topUsage());
        return 0;
      }
      throw new UsageError('missing OBJECT (try --help)');
    }
    if (objectWord === 'help') {
      io.out(topUsage());
      return 0;
    }
    const first = matchWord(objectWord, [...groups, ...standalone], 'object or command');
    if (!('commands' in first)) {
      const command = await first.load();
      if (help) {
        io.out(command.usage);
        return 0;
      }
      return await command.run(words.slice(1), options, io);
    }
    const group = first;
    if (commandWord === undefined || commandWord === 'help') {
      if (help || commandWord === 'help') {
        io.out(groupUsage(group));
        return 0;
      }
      throw new UsageError(`${group.name}: missing COMMAND (try 'tsbpf ${group.name} help')`);
    }
    const command = await matchWord(commandWord, group.commands, `${group.name} command`).load();
    if (help) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(args, options, io);
  } catch (err) {
    if (!(err instanceof TsbpfError)) throw err;
    io.err(`tsbpf: ${oneLine(err.message)}`);
    if (argv.includes('--debug')) for (const line of debugLines(err)) io.err(line);
    return err instanceof UsageError ? 2 : 1;
  }
}
