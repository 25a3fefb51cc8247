import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpFetch } from '../../lib/http/http-client.js';

const nodeFetch = httpFetch();

const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
let a: Server;
let b: Server;
let urlA: string;
let urlB: string;

function listen(handler: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void): Promise<[Server, string]> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method!, url: `${req.headers.host}${req.url}`, auth: req.headers.authorization, body });
        handler(req, body, res);
      });
    });
    server.listen(0, '127.0.0.1', () => resolve([server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`]));
  });
}

beforeAll(async () => {
  [b, urlB] = await listen((_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"from":"b"}');
  });
  [a, urlA] = await listen((req, body, res) => {
    if (req.url === '/same') return void res.writeHead(307, { location: '/json' }).end();
    if (req.url === '/other') return void res.writeHead(307, { location: `${urlB}/blob` }).end();
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
    if (req.url === '/echo') return void res.writeHead(201, { 'docker-content-digest': 'sha256:abc' }).end(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.method === 'HEAD' ? undefined : '{"ok":true}');
  });
});
afterAll(() => {
  a.close();
  b.close();
});
beforeEach(() => void (seen.length = 0));

test('GET reads status, headers and a JSON body', async () => {
  const response = await nodeFetch(`${urlA}/json`, { headers: { Accept: 'application/json' } });
  expect([response.status, response.ok, response.headers.get('Content-Type')]).toEqual([200, true, 'application/json']);
  expect(await response.json()).toEqual({ ok: true });
});

test('PUT sends the body; HEAD reads headers without a body', async () => {
  const put = await nodeFetch(`${urlA}/echo`, { method: 'PUT', body: new TextEncoder().encode('manifest') });
  expect([put.status, put.headers.get('docker-content-digest'), await put.text()]).toEqual([201, 'sha256:abc', 'manifest']);
  const head = await nodeFetch(`${urlA}/json`, { method: 'HEAD' });
  expect([head.status, Buffer.from(await head.arrayBuffer()).length]).toEqual([200, 0]);
  expect(head.headers.get('x-missing')).toBeNull();
});

test('redirects are followed; credentials go only to the same host', async () => {
  const same = await nodeFetch(`${urlA}/same`, { headers: { Authorization: 'Bearer t' } });
  expect(await same.json()).toEqual({ ok: true });
  const other = await nodeFetch(`${urlA}/other`, { headers: { Authorization: 'Bearer t' } });
  expect(await other.json()).toEqual({ from: 'b' });
  expect(seen.map((s) => [s.url.replace(/:\d+/, ''), s.auth])).toEqual([
    ['127.0.0.1/same', 'Bearer t'],
    ['127.0.0.1/json', 'Bearer t'],
    ['127.0.0.1/other', 'Bearer t'],
    ['127.0.0.1/blob', undefined],
  ]);
});

test('the abort signal ends a slow request, and a refused connection fails like fetch', async () => {
  await expect(nodeFetch(`${urlA}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow('fetch failed');
  const closed = await listen(() => undefined);
  closed[0].close();
  await expect(nodeFetch(`${closed[1]}/x`)).rejects.toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
});
