/**
 * bin/ferry.js exits with process.exit() (idle keep-alive sockets would hold the process); on a
 * pipe whose reader is slow, output beyond the pipe's 64 KiB buffer is still queued then and must
 * not be lost. These run the real CLI (dist/, built by `npm test`) on a platform of 600 services.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPlatformRepo, FERRY_BIN, type PlatformRepo } from '../helpers/platform-repo.js';

const SERVICES = 600;
const ENVIRONMENTS = ['dev', 'stage', 'prod'] as const;

/** The sample platform with SERVICES services, and a stack file per environment that tags each. */
function manyServices(root: string): void {
  const file = join(root, 'platform/platform.ts');
  const services = Array.from({ length: SERVICES }, (_, i) => `{ name: 'svc-${i}', port: ${8000 + i}, host: 'svc-${i}.example.com' },`);
  const text = readFileSync(file, 'utf8').replace(/services: \[[\s\S]*?\n {2}\],/, `services: [\n${services.join('\n')}\n  ],`);
  if (!text.includes(`'svc-${SERVICES - 1}'`)) throw new Error('fixture: could not replace the services of the sample platform');
  writeFileSync(file, text);
  ENVIRONMENTS.forEach((env, e) => {
    const tags = Array.from({ length: SERVICES }, (_, i) => `    svc-${i}: ${env === 'prod' ? `v1.${i}.${e}` : `sha-${(0x1a2b3c4d + i * 7919 + e).toString(16).slice(-8)}`}`);
    writeFileSync(join(root, `Pulumi.${env}.yaml`), `config:\n  aws:region: eu-west-1\n  ferry:images:\n${tags.join('\n')}\n`);
  });
}

/**
 * Runs `node bin/ferry.js <args>` with one stream piped (a real pipe, made by sh: node's own child
 * pipes are socket pairs with far larger buffers) into a slow reader: it takes the first byte, then
 * waits a second before reading on. ferry writes its output at once, so whatever did not fit the
 * pipe is still queued in ferry while the reader sleeps.
 */
async function throughSlowReader(repo: PlatformRepo, args: readonly string[], stream: 'stdout' | 'stderr'): Promise<{ code: number; text: string }> {
  const redirect = stream === 'stdout' ? '2>/dev/null' : '2>&1 >/dev/null';
  const script = `{ "$0" "$@" ${redirect}; echo $? >&3; } | { head -c 1; sleep 1; exec cat; }`;
  const shell = spawn('sh', ['-c', script, process.execPath, FERRY_BIN, ...args], { cwd: repo.root, stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const output: Buffer[] = [];
  let code = '';
  shell.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
  shell.stdio[3]!.on('data', (chunk: Buffer) => void (code += chunk.toString()));
  await new Promise((resolve) => shell.on('close', resolve));
  return { code: Number(code.trim()), text: Buffer.concat(output).toString('utf8') };
}

let repo: PlatformRepo;
beforeAll(async () => {
  repo = await createPlatformRepo({ git: false, edit: manyServices });
});
afterAll(() => repo?.cleanup());

test('every byte of a large stdout reaches a slow reader (ferry render: the summary table)', async () => {
  const expected = repo.ferrySpawn(['render']);
  expect(expected.stderr).toBe('');
  expect(expected.code).toBe(0);
  expect(expected.stdout.length).toBeGreaterThan(2 * 65536);
  const piped = await throughSlowReader(repo, ['render'], 'stdout');
  expect(piped.code).toBe(0);
  expect(piped.text.length).toBe(expected.stdout.length);
  expect(piped.text).toBe(expected.stdout);
});

test('every byte of a large stderr reaches a slow reader, and the exit code is kept (ferry render --check)', async () => {
  rmSync(join(repo.root, 'manifests'), { recursive: true, force: true }); // every file is missing
  const expected = repo.ferrySpawn(['render', '--check']);
  expect(expected.code).toBe(1);
  expect(expected.stderr.length).toBeGreaterThan(2 * 65536);
  const piped = await throughSlowReader(repo, ['render', '--check'], 'stderr');
  expect(piped.code).toBe(1);
  expect(piped.text.length).toBe(expected.stderr.length);
  expect(piped.text).toBe(expected.stderr);
});
