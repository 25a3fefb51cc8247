/**
 * The subset of `fetch` the registry client uses, over node:http and node:https. Node 20 compiles
 * its bundled fetch implementation (undici) on first use, about 60 ms, which every promote would
 * pay for one or two registry requests.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

const MAX_REDIRECTS = 5;

/** The part of a fetch Response the registry client reads. */
class NodeResponse {
  public readonly ok: boolean;
  public readonly headers: { get(name: string): string | null };

  public constructor(
    public readonly status: number,
    public readonly statusText: string,
    headers: IncomingHttpHeaders,
    private readonly body: Buffer,
    public readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  public async arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer;
  }

  public async text(): Promise<string> {
    return this.body.toString('utf8');
  }

  public async json(): Promise<unknown> {
    return JSON.parse(this.body.toString('utf8'));
  }
}

function once(url: URL, init: RequestInit): Promise<NodeResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!send) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const headers = headerRecord(init.headers);
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(init.body as Uint8Array);
    if (body) headers['content-length'] = String(body.length);
    const request = send(url, { method: init.method ?? 'GET', headers, signal: init.signal ?? undefined }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(new NodeResponse(response.statusCode ?? 0, response.statusMessage ?? '', response.headers, Buffer.concat(chunks), url.href)));
      response.on('error', reject);
    });
    request.on('error', (error) => reject(Object.assign(new TypeError('fetch failed'), { cause: error })));
    request.end(body);
  });
}

/** Lower-cased header names; the registry client passes plain records or pairs, never a Headers object. */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const pairs = init === undefined ? [] : Array.isArray(init) ? (init as [string, string][]) : Object.entries(init as Record<string, string>);
  return Object.fromEntries(pairs.map(([name, value]) => [name.toLowerCase(), value]));
}

/** `fetch` for the registry client: follows redirects (as 'follow' does), honours the abort signal. */
export async function nodeFetch(input: string | URL, init: RequestInit = {}): Promise<NodeResponse> {
  let url = new URL(String(input));
  for (let hop = 0; ; hop++) {
    const response = await once(url, init);
    const location = response.headers.get('location');
    if (init.redirect === 'manual' || ![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    if (hop >= MAX_REDIRECTS) throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects from ${String(input)}`);
    url = new URL(location, url);
    // A redirect to another host (blob storage) must not carry the registry's credentials.
    if (url.host !== new URL(String(input)).host && init.headers) {
      const { Authorization: _a, authorization: _b, ...rest } = init.headers as Record<string, string>;
      init = { ...init, headers: rest };
    }
    if (response.status === 303) init = { ...init, method: 'GET', body: undefined };
  }
}
