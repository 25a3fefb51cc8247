/**
 * The registry client against fake registries on loopback that attack it: an endless manifest, a
 * lying or malformed digest, hanging services, a bearer realm elsewhere or over plain http.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceDefinition } from '../../model/platform.js';
import { checkImages } from '../../lib/promote/image-check.js';
import type { ImageRegistry } from '../../lib/promote/promotion.js';
import { OciImageRegistry } from '../../lib/registry/oci-image-registry.js';
import { basicAuth } from '../../lib/registry/registry-auth.js';
import { RegistryClient } from '../../lib/registry/registry-client.js';
import { registryEndpoint } from '../../lib/registry/registry-endpoint.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
const REAL_DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const FAKE_DIGEST = `sha256:${'e'.repeat(64)}`;

const servers: Server[] = [];
const hanging: ServerResponse[] = [];
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, seen: Seen[] = []): Promise<{ url: string; host: string; seen: Seen[] }> {
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, host: new URL(url).host, seen };
}

/** A registry that serves MANIFEST, with the given Docker-Content-Digest header on HEAD. */
const manifestServer = (headDigest: string) =>
  serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': req.method === 'HEAD' ? headDigest : REAL_DIGEST });
    res.end(req.method === 'HEAD' ? undefined : MANIFEST);
  });

test('an endless manifest is cut off at the cap with a message naming the host', async () => {
  const registry = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': FAKE_DIGEST });
    if (req.method === 'HEAD') return void res.end();
    const chunk = Buffer.alloc(64 * 1024, ' ');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  await expect(new RegistryClient({ baseUrl: registry.url }).manifestDigest('api', 'v1')).rejects.toThrow(
    `GET ${registry.url}/v2/api/manifests/v1: the answer from ${registry.host} is larger than the 4 MiB cap (more than 4194304 bytes sent); refused`,
  );
});

test('a digest from HEAD is verified over the manifest bytes: a lie is refused, the truth is returned', async () => {
  const liar = await manifestServer(FAKE_DIGEST);
  await expect(new RegistryClient({ baseUrl: liar.url }).manifestDigest('api', 'v1')).rejects.toThrow(`api:v1: registry says digest ${FAKE_DIGEST} but the manifest bytes hash to ${REAL_DIGEST}; refused`);
  expect(liar.seen.map((s) => s.method)).toEqual(['HEAD', 'GET']);
  const honest = await manifestServer(REAL_DIGEST);
  expect(await new RegistryClient({ baseUrl: honest.url }).manifestDigest('api', 'v1')).toBe(REAL_DIGEST);
});

test('a malformed digest is refused, never recorded', async () => {
  const registry = await manifestServer('sha256:../../etc/passwd');
  await expect(new RegistryClient({ baseUrl: registry.url }).manifestDigest('api', 'v1')).rejects.toThrow(
    `api:v1 at ${registry.url}: the registry answered Docker-Content-Digest "sha256:../../etc/passwd", which is not sha256:<64 lowercase hex>; refused`,
  );
  // An ImageRegistry that does not check (another implementation) cannot get it recorded either.
  const careless: ImageRegistry = { reference: (s, t) => `r/${s.repository}:${t}`, digest: async () => 'sha256:../../etc/passwd', retag: async () => REAL_DIGEST };
  expect(await checkImages(careless, [{ definition: service('api'), sourceTag: 'v1' }], { skip: false, deadlineMs: 5000 })).toEqual([
    { reference: 'r/api:v1', checked: true, exists: false, error: 'the registry answered digest "sha256:../../etc/passwd", which is not sha256:<64 lowercase hex>; refused' },
  ]);
});

test('services are checked in parallel under one deadline; each error names the host and the deadline, not ABORT_ERR', async () => {
  const registry = await serve((_req, res) => void hanging.push(res));
  const oci = new OciImageRegistry('registry.example.com', registryEndpoint('registry.example.com', { url: registry.url }));
  const images = await checkImages(oci, [{ definition: service('api'), sourceTag: 'v1' }, { definition: service('web'), sourceTag: 'v2' }], { skip: false, deadlineMs: 1500 });
  expect(images.map((i) => i.error)).toEqual([
    `HEAD ${registry.url}/v2/api/manifests/v1: no complete answer from ${registry.host} within the registry check deadline of 1.5s`,
    `HEAD ${registry.url}/v2/web/manifests/v2: no complete answer from ${registry.host} within the registry check deadline of 1.5s`,
  ]);
  // Both requests were in flight together: the second did not wait for the first to time out.
  expect(registry.seen.map((s) => s.url).sort()).toEqual(['/v2/api/manifests/v1', '/v2/web/manifests/v2']);
});

describe('ferry promote with a hanging registry', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createPlatformRepo({ git: false });
  });
  afterAll(() => repo.cleanup());

  test('both services are refused with the cause, under FERRY_REGISTRY_DEADLINE_MS', async () => {
    const registry = await serve((_req, res) => void hanging.push(res));
    const run = await repo.ferry(['promote', 'api', 'web', '--to', 'prod', '--dry-run', '--registry-url', registry.url], { FERRY_REGISTRY_DEADLINE_MS: '1500' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`api: gate 'image': could not check .+ in the registry: HEAD ${registry.url}/v2/api/manifests/\\S+: no complete answer from ${registry.host} within the registry check deadline of 1.5s`));
    expect(run.stderr).toMatch(new RegExp(`web: gate 'image': could not check .+ in the registry: HEAD ${registry.url}/v2/web/manifests/\\S+: no complete answer from ${registry.host} within the registry check deadline of 1.5s`));
    expect(run.stderr).not.toContain('ABORT_ERR');
  });
});

test('credentials never go to a bearer realm on another host', async () => {
  const tokens = await serve((_req, res) => void res.writeHead(401).end());
  const registry = await serve((_req, res) => {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.url}/token",service="registry"` });
    res.end();
  });
  const client = new RegistryClient({ baseUrl: registry.url, auth: basicAuth('ci', 'registry-password') });
  await expect(client.manifestDigest('api', 'v1')).rejects.toThrow(
    `token service ${tokens.url}/token: HTTP 401 (credentials: basic (user ci); credentials were not sent: the realm ${tokens.host} is not the registry host ${registry.host})`,
  );
  expect(tokens.seen).toEqual([{ method: 'GET', url: '/token?service=registry&scope=repository%3Aapi%3Apull', authorization: undefined }]);
});

test('a bearer realm over plain http to a non-loopback host is refused before anything is sent', async () => {
  const registry = await serve((_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.attacker.example/token",service="registry"' });
    res.end();
  });
  const client = new RegistryClient({ baseUrl: registry.url, auth: basicAuth('ci', 'registry-password') });
  await expect(client.manifestDigest('api', 'v1')).rejects.toThrow(
    `token service http://auth.attacker.example/token (the realm of ${registry.url}): refusing plain http to auth.attacker.example (http://auth.attacker.example/token): use https`,
  );
  expect(registry.seen.every((s) => s.authorization === undefined)).toBe(true);
});

test('Basic credentials are never sent over plain http to a registry off loopback, unless insecure is allowed', async () => {
  const client = new RegistryClient({ baseUrl: 'http://registry.example.com', auth: basicAuth('ci', 'registry-password') });
  await expect(client.manifestDigest('api', 'v1')).rejects.toThrow('refusing plain http to registry.example.com (http://registry.example.com/v2/api/manifests/v1): use https');
  expect(registryEndpoint('registry.example.com', { env: { FERRY_REGISTRY_URL: 'http://registry.example.com', FERRY_REGISTRY_INSECURE: 'true' } }).client.baseUrl).toBe('http://registry.example.com');
  expect(() => new RegistryClient({ baseUrl: 'https://ci:pw@registry.example.com' })).toThrow('registry URL "https://***@registry.example.com" must be http(s)://host[:port] with no user info and no path');
});

function service(name: string): ServiceDefinition {
  return { name, repository: name } as unknown as ServiceDefinition;
}
