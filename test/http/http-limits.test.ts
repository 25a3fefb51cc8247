/** The HTTP client's limits against loopback servers that misbehave: huge, hanging, redirecting elsewhere. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deadline } from '../../lib/http/deadline.js';
import { checkTransport, HttpClient, isLoopback } from '../../lib/http/http-client.js';

const servers: Server[] = [];
const hanging: ServerResponse[] = [];
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Never answers (the request stays open until the test ends). */
const hang = (_req: IncomingMessage, res: ServerResponse) => void hanging.push(res);

test('a body over the cap is refused, naming the host and the cap, whether declared or streamed', async () => {
  const declared = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': String(1536 * 1024 * 1024) });
    res.write('x');
  });
  const streamed = await serve((_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  const client = new HttpClient({ maxBodyBytes: 1024 * 1024 });
  const host = (url: string) => new URL(url).host;
  await expect(client.request(`${declared}/m`)).rejects.toThrow(`GET ${declared}/m: the answer from ${host(declared)} is larger than the 1 MiB cap (Content-Length 1610612736); refused`);
  await expect(client.request(`${streamed}/m`)).rejects.toThrow(`GET ${streamed}/m: the answer from ${host(streamed)} is larger than the 1 MiB cap (more than 1048576 bytes sent); refused`);
  await expect(new HttpClient().request(`${streamed}/m`)).rejects.toThrow('is larger than the 4 MiB cap');
});

test('a hanging server: the per-request timeout and an overall deadline each name host and duration', async () => {
  const url = await serve(hang);
  const host = new URL(url).host;
  await expect(new HttpClient({ timeoutMs: 300 }).request(`${url}/a`)).rejects.toMatchObject({
    kind: 'timeout',
    message: `GET ${url}/a: no complete answer from ${host} within 300ms (per-request timeout)`,
  });
  const limit = deadline(1500, 'registry check');
  try {
    await expect(new HttpClient().request(`${url}/b`, { method: 'HEAD', signal: limit.signal })).rejects.toMatchObject({
      kind: 'deadline',
      message: `HEAD ${url}/b: no complete answer from ${host} within the registry check deadline of 1.5s`,
    });
  } finally {
    limit.dispose();
  }
});

test('plain http only to loopback unless allowed; nothing is sent', async () => {
  expect(['127.0.0.1', '127.8.9.10', '[::1]', 'localhost', 'LOCALHOST'].map(isLoopback)).toEqual([true, true, true, true, true]);
  expect(['128.0.0.1', 'localhost.example.com', '10.0.0.1', '127.0.0.1.nip.io'].map(isLoopback)).toEqual([false, false, false, false]);
  await expect(new HttpClient().request('http://registry.example.com/v2/', { headers: { Authorization: 'Basic Y2k6c2VjcmV0' } })).rejects.toMatchObject({
    kind: 'insecure',
    message:
      'refusing plain http to registry.example.com (http://registry.example.com/v2/): use https; plain http is allowed only to loopback (127.0.0.0/8, ::1, localhost) unless insecure http is explicitly allowed',
  });
  expect(() => checkTransport(new URL('http://registry.example.com/'), true)).not.toThrow();
  expect(() => checkTransport(new URL('ftp://registry.example.com/'))).toThrow('unsupported protocol ftp:');
});

test('a redirect to another host, or to plain http elsewhere, never carries credentials; URL user info is never sent', async () => {
  const seen: [string, string | undefined][] = [];
  const other = await serve((req, res) => {
    seen.push([`other${req.url}`, req.headers.authorization]);
    res.end('{}');
  });
  const origin = await serve((req, res) => {
    seen.push([`origin${req.url}`, req.headers.authorization]);
    if (req.url === '/away') return void res.writeHead(302, { location: `${other}/x` }).end();
    if (req.url === '/insecure') return void res.writeHead(302, { location: 'http://attacker.example/steal' }).end();
    res.end('{}');
  });
  const client = new HttpClient();
  await client.request(`${origin}/away`, { headers: { Authorization: 'Bearer secret-token-1', Cookie: 'session=1' } });
  await expect(client.request(`${origin}/insecure`, { headers: { Authorization: 'Bearer secret-token-1' } })).rejects.toThrow('refusing plain http to attacker.example');
  const withUser = new URL(origin);
  withUser.username = 'user';
  withUser.password = 'pass-in-url';
  const answer = await client.request(`${withUser.href}plain`);
  expect(answer.url).toBe(`${origin}/plain`);
  expect(seen).toEqual([
    ['origin/away', 'Bearer secret-token-1'],
    ['other/x', undefined],
    ['origin/insecure', 'Bearer secret-token-1'],
    ['origin/plain', undefined],
  ]);
});
