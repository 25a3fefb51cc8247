import { createServer, request as httpRequest, type Server } from 'node:http';
import { basicAuth, parseChallenge } from '../../lib/registry/registry-auth.js';
import { ecrAuth, ecrRegion } from '../../lib/registry/ecr-token-provider.js';
import { RegistryClient } from '../../lib/registry/registry-client.js';
import { pushTestImage, startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

test('tag existence and digest over HEAD, re-tag by GET + PUT with an identical digest', async () => {
  const digest = await registry.pushImage('shop/api', '1.2.0-SNAPSHOT-7d2a1b3');
  const client = new RegistryClient({ baseUrl: registry.url });
  expect(await client.manifestDigest('shop/api', '1.2.0-SNAPSHOT-7d2a1b3')).toBe(digest);
  expect(await client.manifestDigest('shop/api', 'v9.9.9')).toBeUndefined();
  expect(await client.retag('shop/api', '1.2.0-SNAPSHOT-7d2a1b3', 'v1.2.0')).toBe(digest);
  expect(await client.manifestDigest('shop/api', 'v1.2.0')).toBe(digest);
  // Idempotent, and never moves an existing tag to another image.
  expect(await client.retag('shop/api', '1.2.0-SNAPSHOT-7d2a1b3', 'v1.2.0')).toBe(digest);
  const other = await registry.pushImage('shop/api', 'sha-0f0f0f0f');
  await expect(client.retag('shop/api', 'sha-0f0f0f0f', 'v1.2.0')).rejects.toThrow(
    `shop/api:v1.2.0 already exists in ${registry.url} with digest ${digest}, not ${other} of sha-0f0f0f0f; tags are immutable, choose another version`,
  );
  await expect(client.retag('shop/api', 'sha-00000000', 'v1.2.1')).rejects.toThrow(`shop/api:sha-00000000 does not exist in ${registry.url}; nothing to re-tag`);
});

test('bearer token flow: 401 challenge, token from the realm with basic credentials, retry', async () => {
  const front = await authFront(registry.url, 'bearer');
  try {
    const anonymous = new RegistryClient({ baseUrl: front.url });
    await expect(anonymous.manifestDigest('api', 'x')).rejects.toThrow(`token service ${front.url}/token: HTTP 401 (credentials: anonymous)`);
    const client = new RegistryClient({ baseUrl: front.url, auth: basicAuth('ci', 'secret') });
    const digest = await pushTestImage(client, 'api', 'sha-bea7e700');
    expect(await client.manifestDigest('api', 'sha-bea7e700')).toBe(digest);
    expect(front.tokenRequests.slice(0, 2)).toEqual(['service=test-registry&scope=repository%3Aapi%3Apull', 'service=test-registry&scope=repository%3Aapi%3Apull%2Cpush']);
  } finally {
    await front.close();
  }
});

test('basic challenge: credentials are sent; without them the 401 is reported', async () => {
  const front = await authFront(registry.url, 'basic');
  try {
    await expect(new RegistryClient({ baseUrl: front.url }).manifestDigest('api', 'x')).rejects.toThrow(
      `HEAD api:x at ${front.url}: HTTP 401 Unauthorized (credentials: anonymous)`,
    );
    const client = new RegistryClient({ baseUrl: front.url, auth: basicAuth('ci', 'secret') });
    const digest = await pushTestImage(client, 'api', 'sha-ba51c000');
    expect(await client.manifestDigest('api', 'sha-ba51c000')).toBe(digest);
  } finally {
    await front.close();
  }
});

test('ECR: region from the host, token from the injected provider, once', async () => {
  expect(ecrRegion('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe('eu-west-1');
  expect(ecrRegion('registry.example.com')).toBeUndefined();
  let calls = 0;
  const auth = ecrAuth({ token: async (region) => (calls++, { username: 'AWS', password: `token-${region}` }) }, 'eu-west-1');
  expect(await auth.credentials()).toEqual({ username: 'AWS', password: 'token-eu-west-1' });
  await auth.credentials();
  expect(calls).toBe(1);
  expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry",scope="repository:api:pull"')).toEqual({
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:api:pull' },
  });
});

/** A front for the real registry that demands Basic auth or a bearer token (as ECR, GHCR and Harbor do). */
async function authFront(target: string, mode: 'basic' | 'bearer'): Promise<{ url: string; tokenRequests: string[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const basic = `Basic ${Buffer.from('ci:secret').toString('base64')}`;
  const tokenRequests: string[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/token')) {
      tokenRequests.push(req.url.slice('/token?'.length));
      if (req.headers.authorization !== basic) return void res.writeHead(401).end();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ token: 'granted' }));
    }
    const ok = mode === 'basic' ? req.headers.authorization === basic : req.headers.authorization === 'Bearer granted';
    if (!ok) {
      const challenge = mode === 'basic' ? 'Basic realm="test"' : `Bearer realm="${url}/token",service="test-registry"`;
      res.writeHead(401, { 'WWW-Authenticate': challenge });
      return void res.end();
    }
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, tokenRequests, close: () => new Promise((r) => server.close(() => r())) };
}
