/** Runs the CLI in-process and captures what it prints. */
import { runCli } from '../../src/cli/app.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (c) => out.push(Buffer.from(c)),
    err: (line) => err.push(line),
  });
  return { code, stdout: Buffer.concat(out).toString(), stderr: err.join('\n') };
}
