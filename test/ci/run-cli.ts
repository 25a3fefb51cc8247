/** Runs `ferry <args>` in-process with a given working directory and environment. */
import { main } from '../../cli/main.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function ferry(cwd: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { cwd, out: (t) => void (stdout += t), err: (t) => void (stderr += t), env, isTTY: false });
  return { code, stdout, stderr };
}
