import { readFileSync } from 'node:fs';
import { findRepositoryRoot } from '../lib/loader/load-platform.js';
import { Redactor } from '../lib/redact/redact.js';
import type { CliCommand, CliIO } from './command.js';
import { UsageError } from './command.js';

/** The engine's version, from its package.json. */
export function ferryVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  // Compiled to dist/cli/main.js (two levels deep) or run from source by jest (cli/main.ts, one level).
  for (const candidate of [url, new URL('../package.json', import.meta.url)]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ferry' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

/**
 * Every command, in the order `ferry --help` lists them, loaded only when run: `promote` must
 * not pay for loading the construct library that `render` needs. Add yours here.
 */
export const COMMANDS: readonly { readonly name: string; load(): Promise<CliCommand> }[] = [
  { name: 'init', load: async () => (await import('./commands/init.js')).initCommand },
  { name: 'render', load: async () => (await import('./commands/render.js')).renderCommand },
  { name: 'validate', load: async () => (await import('./commands/validate.js')).validateCommand },
  { name: 'promote', load: async () => (await import('./commands/promote.js')).promoteCommand },
  { name: 'status', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'graph', load: async () => (await import('./commands/graph.js')).graphCommand },
  { name: 'fmt', load: async () => (await import('./commands/fmt.js')).fmtCommand },
  { name: 'history', load: async () => (await import('./commands/history.js')).historyCommand },
  { name: 'rollback', load: async () => (await import('./commands/rollback.js')).rollbackCommand },
  { name: 'diff', load: async () => (await import('./commands/diff.js')).diffCommand },
  { name: 'userdata', load: async () => (await import('./commands/userdata.js')).userdataCommand },
  { name: 'tag', load: async () => (await import('./commands/tag.js')).tagCommand },
  { name: 'codeowners', load: async () => (await import('./commands/codeowners.js')).codeownersCommand },
  { name: 'verify', load: async () => (await import('./commands/verify.js')).verifyCommand },
];

async function usage(entries: typeof COMMANDS): Promise<string> {
  const commands = await Promise.all(entries.map((c) => c.load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'ferry: render and promote a GitOps delivery platform. A promotion is a stack-config change.',
    '',
    'Usage: ferry <command> [options]   (ferry <command> --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/**
 * The IO every command gets: its output and errors pass through one redactor built from the
 * environment (tokens in every encoding, credentials in URLs, Authorization values), so no
 * command, message or quoted git argument can print a secret.
 */
export function redactingIO(io: CliIO, redactor = new Redactor({ env: io.env })): CliIO {
  return {
    cwd: io.cwd,
    env: io.env,
    isTTY: io.isTTY,
    out: (text) => io.out(redactor.redact(text)),
    err: (text) => io.err(redactor.redact(text)),
  };
}

/** Runs one CLI invocation; returns the exit code. Never calls process.exit, so tests can call it. */
export async function main(argv: readonly string[], rawIO: CliIO, commands: typeof COMMANDS = COMMANDS): Promise<number> {
  const io = redactingIO(rawIO);
  const [name, ...rest] = argv;
  try {
    if (name === '--version' || name === '-v' || name === 'version') {
      io.out(`ferry ${ferryVersion()}\n`);
      return 0;
    }
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out((await usage(commands)) + '\n');
      return name === undefined ? 2 : 0;
    }
    const entry = commands.find((c) => c.name === name);
    if (!entry) {
      io.err(`ferry: unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}\n`);
      return 2;
    }
    const command = await entry.load();
    // Only before `--`: what follows it is an argument (a service named '-h' is refused, never help).
    const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (options.includes('--help') || options.includes('-h')) {
      io.out(command.help.trimEnd() + '\n');
      return 0;
    }
    const context = command.needsRepository === false ? io : { ...io, cwd: findRepositoryRoot(io.cwd) };
    return await command.run(rest, context);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return e.exitCode;
    }
    // Only the message, through the redactor: a stack or an error's fields (git's arguments) could hold a secret.
    io.err(`ferry${name === undefined ? '' : ` ${name}`}: ${e instanceof Error ? e.message : String(e)}\n`);
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
