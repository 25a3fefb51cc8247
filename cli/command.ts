import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `ferry <name>` command. */
export interface CliCommand {
  readonly name: string;
  /** One line for `ferry --help`. */
  readonly summary: string;
  /** Full help text for `ferry <name> --help`. */
  readonly help: string;
  /**
   * Whether the command works on a platform repository: `io.cwd` is then its root, found from
   * any subdirectory. `tag` and `init` work anywhere.
   * @default true
   */
  readonly needsRepository?: boolean;
  /** Returns the process exit code: 0 done, 1 refused or failed, 2 wrong usage. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

/** Where a command writes and which repository it works on; tests pass their own. */
export interface CliIO {
  /** Root of the platform repository (where Pulumi.yaml is) for commands that need one, else the working directory. */
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (for colour). */
  readonly isTTY: boolean;
}

/** An error in how the command was called: printed without a stack trace, exit code 2 (or the one given). */
export class UsageError extends Error {
  public constructor(message: string, public readonly exitCode = 2) {
    super(message);
  }
}

/** node:util parseArgs with strict checking; a wrong flag becomes a UsageError naming the command and the allowed options. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const allowed = Object.keys(options).map((name) => `--${name}`).join(', ');
    const text = (e as Error).message;
    const quoted = /'([^']*)'/.exec(text)?.[1] ?? '';
    const flag = quoted.split(' ')[0];
    let message: string;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') message = `unknown option '${flag}'; options: ${allowed || 'none'}`;
    else if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') message = `unexpected argument '${quoted}'; this command takes options only (${allowed || 'none'})`;
    else if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') message = text.includes('does not take') ? `option '${flag}' takes no value` : `option '${flag}' needs a value`;
    else message = text.replace(/\.$/, '');
    throw new UsageError(`ferry ${command}: ${message}; see 'ferry ${command} --help'`);
  }
}

/** A comma-separated list of hosts from a flag, e.g. `--allow-remote github.com,charts.example.com`. */
export function parseHosts(value: string | undefined): string[] {
  return (value ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}
