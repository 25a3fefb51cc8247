/**
 * The one HTTP client of ferry (registry, Argo CD, GitHub API), over node:http and node:https.
 * Node 20 compiles its bundled fetch (undici) on first use, about 60 ms, which every promote would
 * pay for one or two requests; and fetch has none of the limits below.
 *
 * Every request: a capped response body, a per-request timeout plus any overall deadline (an
 * AbortSignal), plain http only to loopback unless allowed, redirects to another host without
 * credentials, and errors that name the method, URL (never its user info) and cause.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { DeadlineExceeded, formatMs } from './deadline.js';

// Required, not imported: the ES-module view of node:http reads every export, and Node 22's
// node:http exports getters (WebSocket and friends) that compile undici, ~30-100 ms that every
// command loading this client paid, whether it sent a request or not. And required on the first
// request of each scheme: node:https brings tls (about 20 built-in modules for Node to compile),
// which a promote whose registry is on loopback, or whose image gate is overridden, never uses.
const require = createRequire(import.meta.url);
let sendHttp: typeof import('node:http').request | undefined;
let sendHttps: typeof import('node:https').request | undefined;
const requestOf = (protocol: string) =>
  protocol === 'https:'
    ? (sendHttps ??= (require('node:https') as typeof import('node:https')).request)
    : (sendHttp ??= (require('node:http') as typeof import('node:http')).request);

/** 4 MiB: far above any manifest or API answer ferry reads, far below what hurts the process. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that authenticate: dropped when a redirect leaves the origin the caller addressed. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/** Why a request failed. */
export type HttpErrorKind = 'network' | 'timeout' | 'deadline' | 'aborted' | 'too-large' | 'insecure' | 'redirect';

/** A request that got no usable answer; `code` is the system error code for network errors. */
export class HttpError extends Error {
  public constructor(
    message: string,
    public readonly kind: HttpErrorKind,
    /** The URL without user info. */
    public readonly url: string,
    public readonly code?: string,
  ) {
    super(message);
  }
}

/** Options of a client. */
export interface HttpClientProps {
  /**
   * Largest response body accepted, in bytes; a larger one is refused before it is read.
   * @default DEFAULT_MAX_BODY_BYTES (4 MiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * Milliseconds a request may take, from connecting to the last body byte, redirects included.
   * @default DEFAULT_TIMEOUT_MS (30 s)
   */
  readonly timeoutMs?: number;
  /**
   * Allow plain http to hosts other than loopback (127.0.0.0/8, ::1, localhost).
   * @default false
   */
  readonly allowInsecure?: boolean;
  /** @default DEFAULT_MAX_REDIRECTS */
  readonly maxRedirects?: number;
  /**
   * Overall deadline of every request of this client (see deadline()).
   * @default - none
   */
  readonly signal?: AbortSignal;
}

/** One request. Limits given here override the client's. */
export interface HttpRequestInit {
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  readonly body?: Uint8Array | string;
  /** An overall deadline or cancellation, on top of the client's. */
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  /** @default 'follow' */
  readonly redirect?: 'follow' | 'manual';
}

/** Whether a URL host is loopback: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The URL as messages show it: without user name and password. */
export function displayUrl(url: URL | string): string {
  const parsed = new URL(String(url));
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

/**
 * Throws unless `url` is https, or http to loopback, or http with `allowInsecure`: over plain http
 * anyone on the path reads the credentials and can change the answer (a digest, a token).
 */
export function checkTransport(url: URL, allowInsecure = false): void {
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw new HttpError(`${displayUrl(url)}: unsupported protocol ${url.protocol}; use https`, 'insecure', displayUrl(url));
  if (isLoopback(url.hostname) || allowInsecure) return;
  throw new HttpError(
    `refusing plain http to ${url.host} (${displayUrl(url)}): use https; plain http is allowed only to loopback (127.0.0.0/8, ::1, localhost) unless insecure http is explicitly allowed`,
    'insecure',
    displayUrl(url),
  );
}

/** A complete answer: status, headers and the whole (capped) body. */
export class HttpResponse {
  public readonly ok: boolean;
  public readonly headers: { get(name: string): string | null };

  public constructor(
    public readonly status: number,
    public readonly statusText: string,
    headers: IncomingHttpHeaders,
    /** The exact bytes received. */
    public readonly body: Buffer,
    /** The URL answered (after redirects), without user info. */
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
    try {
      return JSON.parse(this.body.toString('utf8'));
    } catch {
      throw new Error(`${this.url}: answered ${this.status} with a body that is not JSON`);
    }
  }
}

/** The per-request timer's abort reason. */
class RequestTimeout extends Error {
  public constructor(public readonly ms: number) {
    super(`request timeout of ${formatMs(ms)}`);
  }
}

export class HttpClient {
  private readonly maxBodyBytes: number;
  private readonly timeoutMs: number;
  private readonly allowInsecure: boolean;
  private readonly maxRedirects: number;

  public constructor(private readonly props: HttpClientProps = {}) {
    this.maxBodyBytes = props.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.timeoutMs = props.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.allowInsecure = props.allowInsecure ?? false;
    this.maxRedirects = props.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  }

  /** Sends the request, following redirects unless 'manual'; throws HttpError when there is no usable answer. */
  public async request(input: string | URL, init: HttpRequestInit = {}): Promise<HttpResponse> {
    const start = new URL(String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const timeoutMs = init.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RequestTimeout(timeoutMs)), timeoutMs);
    timer.unref?.();
    const outer = [this.props.signal, init.signal].filter((s): s is AbortSignal => s !== undefined);
    const forward = (signal: AbortSignal) => () => controller.abort(signal.reason);
    const listeners = outer.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, listener] of listeners) {
      if (signal.aborted) listener();
      else signal.addEventListener('abort', listener, { once: true });
    }
    try {
      let url = start;
      let current = { method, headers: headerRecord(init.headers), body: init.body };
      for (let hop = 0; ; hop++) {
        checkTransport(url, this.allowInsecure);
        const response = await this.once(url, current, controller.signal, init.maxBodyBytes ?? this.maxBodyBytes);
        const location = response.headers.get('location');
        if (init.redirect === 'manual' || !REDIRECTS.has(response.status) || !location) return response;
        if (hop >= this.maxRedirects) throw new HttpError(`${method} ${displayUrl(start)}: more than ${this.maxRedirects} redirects`, 'redirect', displayUrl(start));
        const next = new URL(location, url);
        // A redirect elsewhere (blob storage, another host, http) must not carry the caller's credentials.
        if (next.origin !== start.origin) {
          current = { ...current, headers: Object.fromEntries(Object.entries(current.headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name))) };
        }
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === 'POST')) {
          current = { ...current, method: 'GET', body: undefined };
        }
        url = next;
      }
    } finally {
      clearTimeout(timer);
      for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
    }
  }

  private once(url: URL, req: { method: string; headers: Record<string, string>; body: Uint8Array | string | undefined }, signal: AbortSignal, maxBodyBytes: number): Promise<HttpResponse> {
    const where = `${req.method} ${displayUrl(url)}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      let response: IncomingMessage | undefined;
      const fail = (error: HttpError) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        request.destroy();
        response?.destroy();
        reject(error);
      };
      const onAbort = () => fail(abortError(where, url, signal.reason));
      const body = req.body === undefined ? undefined : Buffer.from(req.body as Uint8Array);
      const headers = { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
      // Explicit fields, not the URL object: node would turn URL user info into an Authorization header.
      const options = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined, path: url.pathname + url.search, method: req.method, headers };
      const send = requestOf(url.protocol);
      const request = send(options, (answer) => {
        response = answer;
        const declared = Number(answer.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBodyBytes) return fail(tooLarge(where, url, maxBodyBytes, `Content-Length ${declared}`));
        const chunks: Buffer[] = [];
        let size = 0;
        answer.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) return fail(tooLarge(where, url, maxBodyBytes, `more than ${maxBodyBytes} bytes sent`));
          chunks.push(chunk);
        });
        answer.on('end', () => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve(new HttpResponse(answer.statusCode ?? 0, answer.statusMessage ?? '', answer.headers, Buffer.concat(chunks), displayUrl(url)));
        });
        answer.on('error', (error: NodeJS.ErrnoException) => fail(networkError(where, url, error)));
        answer.on('aborted', () => fail(new HttpError(`${where}: ${url.host} closed the connection before the whole answer arrived`, 'network', displayUrl(url), 'ECONNRESET')));
      });
      request.on('error', (error: NodeJS.ErrnoException) => fail(signal.aborted ? abortError(where, url, signal.reason) : networkError(where, url, error)));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      request.end(body);
    });
  }
}

/** Lower-cased header names. */
function headerRecord(init: HttpRequestInit['headers']): Record<string, string> {
  const pairs = init === undefined ? [] : Array.isArray(init) ? (init as [string, string][]) : Object.entries(init as Record<string, string>);
  return Object.fromEntries(pairs.map(([name, value]) => [name.toLowerCase(), value]));
}

function tooLarge(where: string, url: URL, cap: number, detail: string): HttpError {
  return new HttpError(`${where}: the answer from ${url.host} is larger than the ${formatBytes(cap)} cap (${detail}); refused`, 'too-large', displayUrl(url));
}

function networkError(where: string, url: URL, error: NodeJS.ErrnoException): HttpError {
  return new HttpError(`${where}: ${error.message || error.code || 'network error'}`, 'network', displayUrl(url), error.code);
}

/** Names the cause: the per-request timeout, an overall deadline, or the caller's own abort. */
function abortError(where: string, url: URL, reason: unknown): HttpError {
  if (reason instanceof RequestTimeout) return new HttpError(`${where}: no complete answer from ${url.host} within ${formatMs(reason.ms)} (per-request timeout)`, 'timeout', displayUrl(url));
  if (reason instanceof DeadlineExceeded) return new HttpError(`${where}: no complete answer from ${url.host} within ${reason.message}`, 'deadline', displayUrl(url));
  const detail = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
  return new HttpError(`${where}: aborted before ${url.host} answered (${detail})`, 'aborted', displayUrl(url));
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * A `fetch`-shaped function over an HttpClient for code written against fetch: failures reject
 * like fetch's, a TypeError 'fetch failed' whose cause is the HttpError.
 */
export function httpFetch(client: HttpClient = new HttpClient()): (input: string | URL, init?: HttpRequestInit) => Promise<HttpResponse> {
  return (input, init) =>
    client.request(input, init).catch((error: unknown) => {
      throw new TypeError('fetch failed', { cause: error });
    });
}
