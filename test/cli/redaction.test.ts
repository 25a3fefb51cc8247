/** Every command's output and errors pass through one redactor: secrets in every form, across failure paths. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../cli/main.js';
import type { CliCommand } from '../../cli/command.js';
import { GitError } from '../../lib/git/git.js';
import { tokenConfig } from '../../lib/promote/publish.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const GITHUB_TOKEN = 'ghs_FAKE0123456789abcdefGHIJKLmnop';
const ARGOCD_AUTH_TOKEN = 'argocd-FAKE-token-0123456789';
const PASSWORD = 'registry-p@ss/word+1';
const ENV = { GITHUB_TOKEN, ARGOCD_AUTH_TOKEN, FERRY_REGISTRY_USERNAME: 'ci', FERRY_REGISTRY_PASSWORD: PASSWORD };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Every fragment that would give a secret away. */
const LEAKS = [
  GITHUB_TOKEN,
  'FAKE0123456789',
  ARGOCD_AUTH_TOKEN,
  PASSWORD,
  encodeURIComponent(PASSWORD),
  b64(GITHUB_TOKEN),
  b64(`x-access-token:${GITHUB_TOKEN}`),
  b64(`ci:${PASSWORD}`),
  'url-password',
];

function expectNoLeak(text: string): void {
  for (const leak of LEAKS) expect([leak, text.includes(leak)]).toEqual([leak, false]);
}

async function run(command: CliCommand, env: Record<string, string> = ENV) {
  let stdout = '';
  let stderr = '';
  const code = await main([command.name], { cwd: process.cwd(), out: (t) => void (stdout += t), err: (t) => void (stderr += t), env, isTTY: false }, [{ name: command.name, load: async () => command }]);
  return { code, stdout, stderr };
}

const command = (run: CliCommand['run']): CliCommand => ({ name: 'leaky', summary: 'a command that fails with secrets', help: 'Usage: ferry leaky', run });

test("a failed push retry's git fetch error: the git layer leaves out the -c extraheader, and the redactor would mask it", async () => {
  const args = [...tokenConfig('https://github.com/example-org/shop-platform.git', ENV), 'fetch', '-q', 'origin', 'refs/heads/main'];
  expect(args.join(' ')).toContain(b64(`x-access-token:${GITHUB_TOKEN}`));
  const result = await run(
    command(async () => {
      throw new GitError(args, 128, 'fatal: unable to access https://github.com/example-org/shop-platform.git/: Could not resolve host');
    }),
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    'ferry leaky: git fetch -q origin refs/heads/main failed (exit 128): fatal: unable to access https://github.com/example-org/shop-platform.git/: Could not resolve host\n',
  );
  // Even where the arguments are quoted whole, the token's base64 form is masked.
  const quoted = await run(command(async () => { throw new Error(`git ${args.join(' ')} failed`); }));
  expect(quoted.stderr).toBe('ferry leaky: git -c http.https://github.com/.extraheader=AUTHORIZATION: basic *** fetch -q origin refs/heads/main failed\n');
});

test('an error and output with the secrets in every form print none of them', async () => {
  const forms = [
    GITHUB_TOKEN,
    b64(GITHUB_TOKEN),
    b64(`x-access-token:${GITHUB_TOKEN}`),
    `Authorization: Basic ${b64(`ci:${PASSWORD}`)}`,
    b64(`someone:${GITHUB_TOKEN}`),
    encodeURIComponent(PASSWORD),
    PASSWORD,
    ARGOCD_AUTH_TOKEN,
    'https://ci:url-password@registry.example.com/v2/',
    'Authorization: Bearer opaque.jwt.value-url-password',
  ];
  const result = await run(
    command(async (_argv, io) => {
      io.out(`progress: ${forms.join(' | ')}\n`);
      io.err(`warning: ${forms.join(' | ')}\n`);
      throw new Error(`failed with ${forms.join(' | ')}`);
    }),
  );
  expect(result.code).toBe(1);
  for (const text of [result.stdout, result.stderr]) expectNoLeak(text);
  expect(result.stdout).toContain('https://***@registry.example.com/v2/');
  expect(result.stderr).toContain('ferry leaky: failed with ***');
});

test('a command that fails to load is reported through the redactor too', async () => {
  let stderr = '';
  const code = await main(['broken'], { cwd: process.cwd(), out: () => undefined, err: (t) => void (stderr += t), env: ENV, isTTY: false }, [
    { name: 'broken', load: async () => Promise.reject(new Error(`cannot load: ${GITHUB_TOKEN}`)) },
  ]);
  expect([code, stderr]).toEqual([1, 'ferry broken: cannot load: ***\n']);
});

describe('ferry verify with credentials in ARGOCD_URL', () => {
  let repo: PlatformRepo;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    repo = await createPlatformRepo({ git: false });
    // Answers 401 and, like some proxies, echoes the token it was given.
    server = createServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `invalid token ${String(req.headers.authorization).replace('Bearer ', '')}` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    repo.cleanup();
    await new Promise((r) => server.close(r));
  });

  test('the 401 message shows the URL without its user info and masks the echoed token', async () => {
    const result = await repo.ferry(['verify', 'api', '--env', 'dev'], { ...ENV, ARGOCD_URL: `http://admin:url-password@127.0.0.1:${port}` });
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(
      `ferry verify: GET http://127.0.0.1:${port}/api/v1/applications/api-dev?refresh=normal: 401 Unauthorized (invalid token ***); ARGOCD_AUTH_TOKEN is missing, expired or not valid for this Argo CD\n`,
    );
    expectNoLeak(result.stderr);
  });

  test('a usage error quoting the URL masks its credentials', async () => {
    const result = await repo.ferry(['verify', 'api', '--env', 'dev'], { ...ENV, ARGOCD_URL: 'https://admin:url-password@argocd.example.com:8080:bad' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('ferry verify: ARGOCD_URL: "https://***@argocd.example.com:8080:bad" is not a URL; give the Argo CD server like https://argocd.example.com\n');
  });

  test('plain http off loopback is a usage error: the token would travel in clear', async () => {
    const result = await repo.ferry(['verify', 'api', '--env', 'dev', '--argocd-url', 'http://argocd.example.com'], ENV);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ferry verify: --argocd-url: "http://argocd.example.com" is plain http to argocd.example.com; the token would travel in clear: use https (plain http is allowed only to loopback, e.g. a port-forward to 127.0.0.1)\n',
    });
  });
});
