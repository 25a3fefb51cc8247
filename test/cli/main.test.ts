import { COMMANDS, main } from '../../cli/main.js';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { cwd: process.cwd(), out: (t) => void (stdout += t), err: (t) => void (stderr += t), env: {}, isTTY: false });
  return { code, stdout, stderr };
}

test('every registered command loads under its own name, with a summary and help that starts with its usage', async () => {
  for (const entry of COMMANDS) {
    const command = await entry.load();
    expect([entry.name, command.name]).toEqual([entry.name, entry.name]);
    expect(command.summary.length).toBeGreaterThan(10);
    expect(command.help).toMatch(new RegExp(`^Usage: ferry ${entry.name}\\b`));
  }
});

test('--help lists every command; no command is usage error 2', async () => {
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  for (const entry of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${entry.name} +\\S`, 'm'));
  expect((await run([])).code).toBe(2);
});

test('each command answers --help', async () => {
  for (const entry of COMMANDS) {
    const result = await run([entry.name, '--help']);
    expect([entry.name, result.code, result.stdout.startsWith(`Usage: ferry ${entry.name}`)]).toEqual([entry.name, 0, true]);
  }
});

test('an unknown command names the known ones', async () => {
  expect(await run(['promot'])).toEqual({
    code: 2,
    stdout: '',
    stderr: `ferry: unknown command 'promot'; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`,
  });
});

test('an unknown flag is a usage error naming the command', async () => {
  const result = await run(['render', '--chek']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe("ferry render: unknown option '--chek'; options: --check, --quiet, --full, --explain; see 'ferry render --help'\n");
});

describe('defects fixed on the way', () => {
  test('--version prints the package version', async () => {
    const result = await run(['--version']);
    expect(result.stdout).toMatch(/^ferry \d+\.\d+\.\d+\n$/);
    expect(result.code).toBe(0);
  });

  test('rollback --help names the rollback/ branch it makes, promote --help the promote/ one', async () => {
    expect((await run(['rollback', '--help'])).stdout).toContain('commit on a new branch rollback/<env>/<service>-<tag>');
    expect((await run(['rollback', '--help'])).stdout).not.toContain('promote/<env>/<service>-<tag>');
    expect((await run(['promote', '--help'])).stdout).toContain('commit on a new branch promote/<env>/<service>-<tag>');
  });

  test('promote --help lists every standard gate with its own description', async () => {
    const { STANDARD_GATES } = await import('../../lib/promote/standard-gates.js');
    const help = (await run(['promote', '--help'])).stdout;
    for (const gate of STANDARD_GATES) expect(help).toMatch(new RegExp(`^  ${gate.name} +${gate.description.replace(/[()]/g, '\\$&')}$`, 'm'));
  });

  test('a flag without its value and a stray argument are usage errors (exit 2) naming the flag', async () => {
    expect(await run(['promote', 'api', '--to'])).toEqual({ code: 2, stdout: '', stderr: "ferry promote: option '--to' needs a value; see 'ferry promote --help'\n" });
    const stray = await run(['render', 'extra']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toBe("ferry render: unexpected argument 'extra'; this command takes options only (--check, --quiet, --full, --explain); see 'ferry render --help'\n");
  });
});
