import type { CliCommand, CliIO } from './command.js';
import { UsageError } from './command.js';
import { renderCommand } from './commands/render.js';
import { validateCommand } from './commands/validate.js';
import { promoteCommand } from './commands/promote.js';
import { rollbackCommand } from './commands/rollback.js';
import { historyCommand } from './commands/history.js';
import { statusCommand } from './commands/status.js';
import { diffCommand } from './commands/diff.js';
import { verifyCommand } from './commands/verify.js';
import { tagCommand } from './commands/tag.js';
import { codeownersCommand } from './commands/codeowners.js';
import { userdataCommand } from './commands/userdata.js';

/** Every command, in the order `ferry --help` lists them. Add yours here. */
export const COMMANDS: readonly CliCommand[] = [renderCommand, validateCommand, diffCommand, userdataCommand, tagCommand, codeownersCommand, verifyCommand, promoteCommand, statusCommand, historyCommand, rollbackCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'ferry: render and promote a GitOps delivery platform. A promotion is a stack-config change.',
    '',
    'Usage: ferry <command> [options]   (ferry <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs one CLI invocation; returns the exit code. Never calls process.exit, so tests can call it. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`ferry: unknown command '${name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help.trimEnd() + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return e.exitCode;
    }
    io.err(`ferry ${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** The IO of a real process. */
export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  };
}
