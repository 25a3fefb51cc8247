/** Runs the real validators (Debian packages cloud-init and shellcheck) on generated files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Throws a clear message when a validator is missing, instead of a confusing spawn error. */
export function requireTool(name: string): void {
  const probe = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`'${name}' is not on PATH; install it with 'apt-get install -y cloud-init shellcheck' (.ci/run does this)`);
  }
}

export function writeTemp(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-stacks-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

export function run(command: string, args: readonly string[]): ToolResult {
  const result = spawnSync(command, [...args], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export function cloudInitSchema(document: string): ToolResult {
  requireTool('cloud-init');
  return run('cloud-init', ['schema', '--config-file', writeTemp('user-data.yaml', document)]);
}

export function shellcheck(script: string, shell?: 'bash' | 'sh'): ToolResult {
  requireTool('shellcheck');
  const args = ['--severity=style', '--norc'];
  if (shell) args.push(`--shell=${shell}`);
  return run('shellcheck', [...args, writeTemp('script.sh', script)]);
}
