import { createHash } from 'node:crypto';
import { isDigest } from '../../model/image-digest.js';
import { checkTransport, HttpClient, HttpError, type HttpResponse } from '../http/http-client.js';
import { ANONYMOUS, basicHeader, parseChallenge, type RegistryAuth } from './registry-auth.js';

/** Manifest media types the client accepts, most specific first. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

/** A manifest as stored: its exact bytes (the digest is over them), media type and digest. */
export interface StoredManifest {
  readonly body: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

/** Options of a client for one registry. */
export interface RegistryClientProps {
  /** Base URL, e.g. 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' or 'http://127.0.0.1:5000'. */
  readonly baseUrl: string;
  /**
   * Credentials for Basic challenges and bearer token services.
   * @default ANONYMOUS
   */
  readonly auth?: RegistryAuth;
  /**
   * Milliseconds before a single request is abandoned.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * Largest manifest (or token answer) read, in bytes.
   * @default DEFAULT_MAX_BODY_BYTES (4 MiB)
   */
  readonly maxManifestBytes?: number;
  /**
   * Allow plain http to a registry or token service that is not on loopback.
   * @default false
   */
  readonly allowInsecure?: boolean;
  /**
   * The HTTP client; when given, timeoutMs, maxManifestBytes and allowInsecure are its business.
   * @default - a client with the limits above
   */
  readonly http?: HttpClient;
}

/** What one call may carry: an overall deadline shared with other calls. */
export interface RegistryCallOptions {
  /** @default - only the per-request timeout */
  readonly signal?: AbortSignal;
}

/** A registry answered something other than what the API promises. */
export class RegistryError extends Error {
  public constructor(message: string, public readonly status?: number) {
    super(message);
  }
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A small client of the OCI distribution API (the protocol of ECR, Docker Hub, GHCR, Harbor and
 * the `registry` reference server): manifests by tag or digest, re-tagging without pulling layers,
 * and monolithic blob uploads. Handles anonymous, Basic and bearer-token (WWW-Authenticate) auth.
 *
 * Trusts nothing the registry says about digests: every digest returned is computed over the
 * manifest bytes received, and a Docker-Content-Digest header that disagrees is refused.
 */
export class RegistryClient {
  public readonly baseUrl: string;
  private readonly host: string;
  private readonly auth: RegistryAuth;
  private readonly http: HttpClient;
  private readonly allowInsecure: boolean;
  /** Authorization header by scope, once a challenge was answered. */
  private readonly authorizations = new Map<string, string>();

  public constructor(props: RegistryClientProps) {
    this.baseUrl = props.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/@]+$/.test(this.baseUrl)) throw new Error(`registry URL ${JSON.stringify(props.baseUrl.replace(/\/\/[^/@]*@/, '//***@'))} must be http(s)://host[:port] with no user info and no path`);
    this.host = new URL(this.baseUrl).host;
    this.auth = props.auth ?? ANONYMOUS;
    this.allowInsecure = props.allowInsecure ?? false;
    this.http = props.http ?? new HttpClient({ timeoutMs: props.timeoutMs ?? 30_000, maxBodyBytes: props.maxManifestBytes, allowInsecure: this.allowInsecure });
  }

  /**
   * The digest `reference` (tag or digest) points to, or undefined if it does not exist. The HEAD
   * answer's Docker-Content-Digest is only a claim: the manifest is fetched and the digest computed
   * over its bytes, and a claim that differs is refused, so a registry (or whoever answers for it)
   * cannot have a digest pinned that is not the image's.
   */
  public async manifestDigest(repository: string, reference: string, options: RegistryCallOptions = {}): Promise<string | undefined> {
    const what = `${repository}:${reference}`;
    const head = await this.request('HEAD', repository, `/v2/${repository}/manifests/${reference}`, 'pull', { headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') }, signal: options.signal });
    if (head.status === 404) return undefined;
    this.expectOk(head, `HEAD ${what}`);
    const manifest = await this.getManifest(repository, reference, options);
    if (!manifest) throw new RegistryError(`${what} at ${this.baseUrl}: HEAD found it but GET answered 404; try again`);
    this.checkHeaderDigest(head, what, manifest.digest);
    return manifest.digest;
  }

  /** The manifest `reference` points to, byte for byte, or undefined if it does not exist. */
  public async getManifest(repository: string, reference: string, options: RegistryCallOptions = {}): Promise<StoredManifest | undefined> {
    const response = await this.request('GET', repository, `/v2/${repository}/manifests/${reference}`, 'pull', { headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') }, signal: options.signal });
    if (response.status === 404) return undefined;
    this.expectOk(response, `GET ${repository}:${reference}`);
    const body = response.body;
    const digest = sha256Digest(body);
    this.checkHeaderDigest(response, `${repository}:${reference}`, digest);
    const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() || mediaTypeOf(body);
    return { body, mediaType, digest };
  }

  /** Stores a manifest under `reference`; returns its digest (the sha256 of `body`, which the registry must confirm). */
  public async putManifest(repository: string, reference: string, body: Uint8Array, mediaType: string, options: RegistryCallOptions = {}): Promise<string> {
    const response = await this.request('PUT', repository, `/v2/${repository}/manifests/${reference}`, 'pull,push', { headers: { 'Content-Type': mediaType }, body, signal: options.signal });
    this.expectOk(response, `PUT ${repository}:${reference}`);
    const digest = sha256Digest(body);
    this.checkHeaderDigest(response, `${repository}:${reference}`, digest);
    return digest;
  }

  /**
   * Gives the image `from` the tag `to` without pulling or rebuilding it: the same manifest bytes
   * are put under the new tag, so the digest is identical. Refuses to move an existing tag that
   * points to another image. Returns the digest.
   */
  public async retag(repository: string, from: string, to: string, options: RegistryCallOptions = {}): Promise<string> {
    const manifest = await this.getManifest(repository, from, options);
    if (!manifest) throw new RegistryError(`${repository}:${from} does not exist in ${this.baseUrl}; nothing to re-tag`);
    const existing = await this.manifestDigest(repository, to, options);
    if (existing === manifest.digest) return existing;
    if (existing !== undefined) {
      throw new RegistryError(`${repository}:${to} already exists in ${this.baseUrl} with digest ${existing}, not ${manifest.digest} of ${from}; tags are immutable, choose another version`);
    }
    return this.putManifest(repository, to, manifest.body, manifest.mediaType, options);
  }

  /** Uploads a blob in one request (POST then PUT with the digest); returns the digest. */
  public async pushBlob(repository: string, data: Uint8Array): Promise<string> {
    const digest = sha256Digest(data);
    const head = await this.request('HEAD', repository, `/v2/${repository}/blobs/${digest}`, 'pull,push');
    if (head.ok) return digest;
    const start = await this.request('POST', repository, `/v2/${repository}/blobs/uploads/`, 'pull,push');
    this.expectOk(start, `POST ${repository} blob upload`);
    const location = start.headers.get('location');
    if (!location) throw new RegistryError(`POST ${repository} blob upload: no Location header`);
    const url = new URL(location, this.baseUrl);
    // Only the path and query of the upload URL are used: the upload, with credentials, goes to the registry itself.
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', repository, url.pathname + url.search, 'pull,push', {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    this.expectOk(put, `PUT ${repository} blob ${digest}`);
    return digest;
  }

  /** Refuses a Docker-Content-Digest that is malformed or not the sha256 of the bytes. */
  private checkHeaderDigest(response: HttpResponse, what: string, digest: string): void {
    const header = response.headers.get('docker-content-digest');
    if (header === null) return;
    if (!isDigest(header)) throw new RegistryError(`${what} at ${this.baseUrl}: the registry answered Docker-Content-Digest ${JSON.stringify(header.slice(0, 100))}, which is not sha256:<64 lowercase hex>; refused`);
    if (header !== digest) throw new RegistryError(`${what}: registry says digest ${header} but the manifest bytes hash to ${digest}; refused`);
  }

  private expectOk(response: HttpResponse, what: string): void {
    if (response.ok) return;
    const auth = response.status === 401 || response.status === 403 ? ` (credentials: ${this.auth.description})` : '';
    throw new RegistryError(`${what} at ${this.baseUrl}: HTTP ${response.status} ${response.statusText}${auth}`, response.status);
  }

  private async request(
    method: string,
    repository: string,
    path: string,
    actions: string,
    init: { headers?: Record<string, string>; body?: Uint8Array; signal?: AbortSignal } = {},
  ): Promise<HttpResponse> {
    const scope = `repository:${repository}:${actions}`;
    const send = (authorization: string | undefined) =>
      this.http
        .request(`${this.baseUrl}${path}`, {
          method,
          headers: { ...init.headers, ...(authorization ? { Authorization: authorization } : {}) },
          body: init.body,
          signal: init.signal,
        })
        .catch((e: unknown) => {
          throw new RegistryError(e instanceof HttpError ? e.message : `${method} ${this.baseUrl}${path}: ${(e as Error).message}`);
        });
    let response = await send(this.authorizations.get(scope));
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    if (!challenge) return response;
    const authorization = await this.answer(challenge, scope, init.signal);
    if (!authorization) return response;
    this.authorizations.set(scope, authorization);
    response = await send(authorization);
    return response;
  }

  /**
   * The Authorization header answering a challenge, or undefined when there is nothing to offer.
   * Credentials go to a bearer realm only when it is the registry's own host: a registry (or
   * whoever answers for it) must not be able to send them elsewhere.
   */
  private async answer(challenge: { scheme: string; params: Readonly<Record<string, string>> }, scope: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      const credentials = await this.auth.credentials();
      return credentials ? basicHeader(credentials) : undefined;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    let url: URL;
    try {
      url = new URL(challenge.params.realm);
    } catch {
      throw new RegistryError(`${this.baseUrl}: bearer challenge realm ${JSON.stringify(challenge.params.realm)} is not a URL`);
    }
    const where = `token service ${url.origin}${url.pathname}`;
    try {
      checkTransport(url, this.allowInsecure);
    } catch (e) {
      throw new RegistryError(`${where} (the realm of ${this.baseUrl}): ${(e as Error).message}`);
    }
    const sameHost = url.host === this.host;
    const credentials = sameHost ? await this.auth.credentials() : undefined;
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const response = await this.http.request(url, { headers: credentials ? { Authorization: basicHeader(credentials) } : {}, signal }).catch((e: unknown) => {
      throw new RegistryError(e instanceof HttpError ? `${where}: ${e.message}` : `${where}: ${(e as Error).message}`);
    });
    if (!response.ok) {
      const withheld = !sameHost && this.auth !== ANONYMOUS ? `; credentials were not sent: the realm ${url.host} is not the registry host ${this.host}` : '';
      throw new RegistryError(`${where}: HTTP ${response.status} (credentials: ${this.auth.description}${withheld})`, response.status);
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      throw new RegistryError(`${where}: answer is not JSON`);
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '') throw new RegistryError(`${where}: answer has no token`);
    return `Bearer ${token}`;
  }
}

function mediaTypeOf(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string };
    if (parsed.mediaType) return parsed.mediaType;
  } catch {
    // not JSON: leave it to the default
  }
  return MANIFEST_MEDIA_TYPES[0];
}
