import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `ferry <name>` command. */
export interface CliCommand {
  readonly name: string;
  /** One line for `ferry --help`. */
  readonly summary: string;
  /** Full help text for `ferry <name> --help`. */
  readonly help: string;
  /** Returns the process exit code. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

/** Where a command writes and which repository it works on; tests pass their own. */
export interface CliIO {
  /** Root of the platform repository (where Pulumi.yaml is). */
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (for colour). */
  readonly isTTY: boolean;
}

/** An error the user caused: printed without a stack trace, exit code 1 (or the one given). */
export class UsageError extends Error {
  public constructor(message: string, public readonly exitCode = 2) {
    super(message);
  }
}

/** node:util parseArgs with strict checking; unknown flags become a UsageError naming the command. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(`ferry ${command}: ${(e as Error).message}; see 'ferry ${command} --help'`);
  }
}

/** A comma-separated list of hosts from a flag, e.g. `--allow-remote github.com,charts.example.com`. */
export function parseHosts(value: string | undefined): string[] {
  return (value ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}
