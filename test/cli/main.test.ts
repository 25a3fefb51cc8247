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
  expect(result.stderr).toBe("ferry render: unknown option '--chek'; options: --check, --quiet; see 'ferry render --help'\n");
});
