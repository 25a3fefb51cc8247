import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyRuntime } from '../../cli/commands/verify.js';
import { applicationStatus, judge, parseDuration, SYSTEM_CLOCK, waitForApplication, type Clock } from '../../lib/verify/verify.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

/** An Argo CD Application JSON as GET /api/v1/applications/<name> returns it. */
function app(sync: string, health: string, extra: { revision?: string; phase?: string; rollout?: [string, string?]; message?: string } = {}) {
  return {
    metadata: { name: 'api-prod', namespace: 'argocd' },
    status: {
      sync: { status: sync, revision: extra.revision ?? 'a'.repeat(40) },
      health: { status: health, ...(extra.message ? { message: extra.message } : {}) },
      ...(extra.phase ? { operationState: { phase: extra.phase, message: 'one or more objects failed to apply' } } : {}),
      resources: [
        { group: '', version: 'v1', kind: 'Service', namespace: 'prod', name: 'api', status: 'Synced', health: { status: 'Healthy' } },
        ...(extra.rollout
          ? [{ group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', namespace: 'prod', name: 'api', status: 'Synced', health: { status: extra.rollout[0], ...(extra.rollout[1] ? { message: extra.rollout[1] } : {}) } }]
          : []),
      ],
    },
  };
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** A loopback server answering like the Argo CD API: the next reply of the script each time (the last one repeats). */
class FakeArgoCd {
  public readonly requests: { url: string; authorization: string | undefined }[] = [];
  private script: Reply[] = [];
  private server!: Server;
  public url = '';

  public async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      this.requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
      const reply = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public answer(...replies: Reply[]): void {
    this.script = replies;
    this.requests.length = 0;
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Sleeping advances the clock at once. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

const ok = (body: unknown): Reply => ({ status: 200, body });
let argocd: FakeArgoCd;
let repo: PlatformRepo;
const TOKEN = { ARGOCD_AUTH_TOKEN: 'test-token' };

beforeAll(async () => {
  argocd = new FakeArgoCd();
  await argocd.start();
  repo = await createPlatformRepo({ git: false });
});
afterAll(async () => {
  await argocd.stop();
  repo.cleanup();
});
afterEach(() => {
  verifyRuntime.clock = SYSTEM_CLOCK;
});

describe('ferry verify against a loopback Argo CD', () => {
  test('Synced and Healthy with a finished Rollout: exit 0, token sent, first poll refreshes', async () => {
    verifyRuntime.clock = fakeClock();
    argocd.answer(ok(app('OutOfSync', 'Healthy')), ok(app('Synced', 'Progressing', { rollout: ['Progressing', 'more replicas need to be updated'] })), ok(app('Synced', 'Healthy', { rollout: ['Healthy'] })));
    const run = await repo.ferry(['verify', 'api', '--env', 'prod', '--argocd-url', argocd.url], TOKEN);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('api-prod: Synced and Healthy, Rollout api Healthy (after 20s, 3 polls)\n');
    expect(run.stderr).toBe(
      '[  0s] api-prod: sync OutOfSync\n[ 10s] api-prod: Rollout api is Progressing: more replicas need to be updated\n[ 20s] api-prod: Synced and Healthy, Rollout api Healthy\n',
    );
    expect(argocd.requests.map((r) => r.url)).toEqual(['/api/v1/applications/api-prod?refresh=normal', '/api/v1/applications/api-prod', '/api/v1/applications/api-prod']);
    expect(argocd.requests[0]!.authorization).toBe('Bearer test-token');
  });

  test('Degraded (an aborted Rollout): exit 1 with the reason', async () => {
    verifyRuntime.clock = fakeClock();
    argocd.answer(ok(app('Synced', 'Progressing', { rollout: ['Progressing'] })), ok(app('Synced', 'Degraded', { rollout: ['Degraded', 'RolloutAborted: Rollout aborted update to revision 4'] })));
    const run = await repo.ferry(['verify', 'api', '--env', 'prod', '--argocd-url', argocd.url], TOKEN);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').slice(-2)).toEqual(['ferry verify: api-prod failed: Rollout api is Degraded: RolloutAborted: Rollout aborted update to revision 4', '']);
  });

  test('never healthy: exit 3 once the timeout has passed, polling every interval', async () => {
    const clock = fakeClock();
    verifyRuntime.clock = clock;
    argocd.answer(ok(app('Synced', 'Suspended', { rollout: ['Suspended', 'BlueGreenPause'] })));
    const run = await repo.ferry(['verify', 'web', '--env', 'stage', '--argocd-url', argocd.url, '--timeout', '1m', '--interval', '15s'], TOKEN);
    expect(run.code).toBe(3);
    expect(clock.slept).toEqual([15000, 15000, 15000, 15000]);
    expect(argocd.requests).toHaveLength(5);
    expect(run.stderr).toBe(
      '[  0s] web-stage: Rollout api is Suspended: BlueGreenPause\nferry verify: web-stage timed out: not Synced and Healthy after 1m; last: Rollout api is Suspended: BlueGreenPause\n',
    );
  });

  test('a real (tiny) interval and timeout with the system clock', async () => {
    argocd.answer(ok(app('OutOfSync', 'Missing')));
    const started = Date.now();
    const run = await repo.ferry(['verify', 'api', '--env', 'dev', '--argocd-url', argocd.url, '--timeout', '200ms', '--interval', '20ms'], TOKEN);
    expect(run.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(argocd.requests.length).toBeGreaterThanOrEqual(5);
  });

  test('401: a clear error naming the token, exit 4, no retries', async () => {
    argocd.answer({ status: 401, body: { error: 'invalid session: token signature is invalid', code: 16, message: 'invalid session: token signature is invalid' } });
    const run = await repo.ferry(['verify', 'api', '--env', 'prod', '--argocd-url', argocd.url], { ARGOCD_AUTH_TOKEN: 'expired' });
    expect(run).toEqual({
      code: 4,
      stdout: '',
      stderr: `ferry verify: GET ${argocd.url}/api/v1/applications/api-prod?refresh=normal: 401 Unauthorized (invalid session: token signature is invalid); ARGOCD_AUTH_TOKEN is missing, expired or not valid for this Argo CD\n`,
    });
    expect(argocd.requests).toHaveLength(1);
  });

  test('403 explains permissions and missing Applications', async () => {
    argocd.answer({ status: 403, body: { message: 'permission denied' } });
    const run = await repo.ferry(['verify', 'web', '--env', 'dev', '--argocd-url', argocd.url], TOKEN);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      `ferry verify: GET ${argocd.url}/api/v1/applications/web-dev?refresh=normal: 403 Forbidden (permission denied); the token's account needs 'applications, get' on Application 'web-dev' (Argo CD also answers 403 for an Application that does not exist)\n`,
    );
  });

  test('a 503 is retried until the server recovers', async () => {
    verifyRuntime.clock = fakeClock();
    argocd.answer({ status: 503, body: { message: 'upstream connect error' } }, ok(app('Synced', 'Healthy')));
    const run = await repo.ferry(['verify', 'api', '--env', 'dev', '--argocd-url', argocd.url], TOKEN);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`[  0s] api-dev: Argo CD did not answer: GET ${argocd.url}/api/v1/applications/api-dev?refresh=normal: 503 Service Unavailable (upstream connect error)\n[ 10s] api-dev: Synced and Healthy\n`);
  });

  test('--revision waits until Argo CD has synced the merged commit', async () => {
    verifyRuntime.clock = fakeClock();
    argocd.answer(ok(app('Synced', 'Healthy', { revision: 'b'.repeat(40) })), ok(app('Synced', 'Healthy', { revision: 'c'.repeat(40) })));
    const run = await repo.ferry(['verify', 'api', '--env', 'dev', '--argocd-url', argocd.url, '--revision', 'cccccccc'], TOKEN);
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe('[  0s] api-dev: Argo CD is at revision bbbbbbbbbbbb, waiting for cccccccc');
  });

  test('ARGOCD_URL is used when --argocd-url is not given', async () => {
    argocd.answer(ok(app('Synced', 'Healthy')));
    expect((await repo.ferry(['verify', 'api', '--env', 'dev'], { ...TOKEN, ARGOCD_URL: `${argocd.url}/` })).code).toBe(0);
  });
});

describe('ferry verify usage errors exit 2', () => {
  const cases: [string, string[], Record<string, string>, string][] = [
    ['no token', ['verify', 'api', '--env', 'dev', '--argocd-url', 'http://127.0.0.1:1'], {}, 'ferry verify: ARGOCD_AUTH_TOKEN is not set; give it an Argo CD API token with applications, get'],
    ['no URL', ['verify', 'api', '--env', 'prod'], TOKEN, "ferry verify: no Argo CD URL; pass --argocd-url or set ARGOCD_URL (environment 'prod' runs on cluster 'prod')"],
    ['unknown service', ['verify', 'cart', '--env', 'dev'], TOKEN, "ferry verify: unknown service 'cart'; services: api, web"],
    ['unknown environment', ['verify', 'api', '--env', 'qa'], TOKEN, "ferry verify: unknown environment 'qa'; environments: dev → stage → prod"],
    ['no --env', ['verify', 'api'], TOKEN, "ferry verify: --env <env> is required; see 'ferry verify --help'"],
    ['bad duration', ['verify', 'api', '--env', 'dev', '--timeout', '10'], TOKEN, 'ferry verify: --timeout: "10" is not a duration; allowed: a positive number with ms, s, m or h, like 10m, 30s or 1m30s'],
    ['bad URL', ['verify', 'api', '--env', 'dev', '--argocd-url', 'argocd.example.com'], TOKEN, 'ferry verify: --argocd-url: "argocd.example.com" is not a URL; give the Argo CD server like https://argocd.example.com'],
  ];
  test.each(cases)('%s', async (_name, args, env, message) => {
    expect(await repo.ferry(args, env)).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });
  test('--help documents every exit code', async () => {
    const help = (await repo.ferry(['verify', '--help'])).stdout;
    for (const line of ['  0  Synced and Healthy', '  1  failed', '  2  wrong usage', '  3  timeout', '  4  Argo CD refused']) expect(help).toContain(line);
  });
});

describe('judging one Application status', () => {
  test('a failed sync operation fails', () => {
    expect(judge(applicationStatus(app('OutOfSync', 'Healthy', { phase: 'Failed' })))).toEqual({ kind: 'failed', reason: 'sync operation Failed: one or more objects failed to apply' });
  });
  test('a running operation is pending even when Synced and Healthy', () => {
    expect(judge(applicationStatus(app('Synced', 'Healthy', { phase: 'Running' }))).kind).toBe('pending');
  });
  test('an Application without status is pending, not healthy', () => {
    expect(judge(applicationStatus({ metadata: {} }))).toEqual({ kind: 'pending', reason: 'sync Unknown' });
  });
  test('an old revision that is Degraded is not the new one failing', () => {
    expect(judge(applicationStatus(app('Synced', 'Degraded', { revision: 'b'.repeat(40) })), 'c'.repeat(40)).kind).toBe('pending');
  });
  test('durations', () => {
    expect([parseDuration('10m', 'x'), parseDuration('1m30s', 'x'), parseDuration('500ms', 'x'), parseDuration('1h', 'x')]).toEqual([600000, 90000, 500, 3600000]);
    expect(() => parseDuration('0s', '--interval')).toThrow('--interval: "0s" is not a duration');
  });
  test('a network error is retried, not fatal', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await waitForApplication({
      fetchStatus: async () => {
        if (++calls < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
        return applicationStatus(app('Synced', 'Healthy'));
      },
      timeoutMs: 60000,
      intervalMs: 5000,
      clock,
    });
    expect(result).toEqual({ outcome: 'healthy', reason: 'Synced and Healthy', polls: 3, elapsedMs: 10000 });
  });
});
