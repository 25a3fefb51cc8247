import { createHash } from 'node:crypto';
import { ANONYMOUS, basicHeader, parseChallenge, type RegistryAuth } from './registry-auth.js';
import { nodeFetch } from './node-fetch.js';

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
   * The fetch implementation.
   * @default nodeFetch (node:http; avoids loading Node's bundled fetch on every promote)
   */
  readonly fetch?: typeof fetch;
  /**
   * Milliseconds before a request is abandoned.
   * @default 30000
   */
  readonly timeoutMs?: number;
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
 */
export class RegistryClient {
  public readonly baseUrl: string;
  private readonly auth: RegistryAuth;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  /** Authorization header by scope, once a challenge was answered. */
  private readonly authorizations = new Map<string, string>();

  public constructor(props: RegistryClientProps) {
    this.baseUrl = props.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(this.baseUrl)) throw new Error(`registry URL ${JSON.stringify(props.baseUrl)} must be http(s)://host[:port] with no path`);
    this.auth = props.auth ?? ANONYMOUS;
    this.fetchFn = props.fetch ?? (nodeFetch as unknown as typeof fetch);
    this.timeoutMs = props.timeoutMs ?? 30_000;
  }

  /** The digest `reference` (tag or digest) points to, or undefined if it does not exist. */
  public async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.request('HEAD', repository, `/v2/${repository}/manifests/${reference}`, 'pull', { headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') } });
    if (response.status === 404) return undefined;
    this.expectOk(response, `HEAD ${repository}:${reference}`);
    const digest = response.headers.get('docker-content-digest');
    if (digest) return digest;
    return (await this.getManifest(repository, reference))?.digest;
  }

  /** The manifest `reference` points to, byte for byte, or undefined if it does not exist. */
  public async getManifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    const response = await this.request('GET', repository, `/v2/${repository}/manifests/${reference}`, 'pull', { headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') } });
    if (response.status === 404) return undefined;
    this.expectOk(response, `GET ${repository}:${reference}`);
    const body = Buffer.from(await response.arrayBuffer());
    const digest = sha256Digest(body);
    const header = response.headers.get('docker-content-digest');
    if (header && header !== digest) throw new RegistryError(`${repository}:${reference}: registry says digest ${header} but the manifest bytes hash to ${digest}`);
    const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() || mediaTypeOf(body);
    return { body, mediaType, digest };
  }

  /** Stores a manifest under `reference`; returns its digest. */
  public async putManifest(repository: string, reference: string, body: Uint8Array, mediaType: string): Promise<string> {
    const response = await this.request('PUT', repository, `/v2/${repository}/manifests/${reference}`, 'pull,push', { headers: { 'Content-Type': mediaType }, body });
    this.expectOk(response, `PUT ${repository}:${reference}`);
    return response.headers.get('docker-content-digest') ?? sha256Digest(body);
  }

  /**
   * Gives the image `from` the tag `to` without pulling or rebuilding it: the same manifest bytes
   * are put under the new tag, so the digest is identical. Refuses to move an existing tag that
   * points to another image. Returns the digest.
   */
  public async retag(repository: string, from: string, to: string): Promise<string> {
    const manifest = await this.getManifest(repository, from);
    if (!manifest) throw new RegistryError(`${repository}:${from} does not exist in ${this.baseUrl}; nothing to re-tag`);
    const existing = await this.manifestDigest(repository, to);
    if (existing === manifest.digest) return existing;
    if (existing !== undefined) {
      throw new RegistryError(`${repository}:${to} already exists in ${this.baseUrl} with digest ${existing}, not ${manifest.digest} of ${from}; tags are immutable, choose another version`);
    }
    const digest = await this.putManifest(repository, to, manifest.body, manifest.mediaType);
    if (digest !== manifest.digest) throw new RegistryError(`${repository}:${to}: registry stored digest ${digest}, expected ${manifest.digest}`);
    return digest;
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
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', repository, url.pathname + url.search, 'pull,push', {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    this.expectOk(put, `PUT ${repository} blob ${digest}`);
    return digest;
  }

  private expectOk(response: Response, what: string): void {
    if (response.ok) return;
    const auth = response.status === 401 || response.status === 403 ? ` (credentials: ${this.auth.description})` : '';
    throw new RegistryError(`${what} at ${this.baseUrl}: HTTP ${response.status} ${response.statusText}${auth}`, response.status);
  }

  private async request(
    method: string,
    repository: string,
    path: string,
    actions: string,
    init: { headers?: Record<string, string>; body?: Uint8Array } = {},
  ): Promise<Response> {
    const scope = `repository:${repository}:${actions}`;
    const send = (authorization: string | undefined) =>
      this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers: { ...init.headers, ...(authorization ? { Authorization: authorization } : {}) },
        body: init.body,
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      }).catch((e: unknown) => {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new RegistryError(`${method} ${this.baseUrl}${path}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
      });
    let response = await send(this.authorizations.get(scope));
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    if (!challenge) return response;
    const authorization = await this.answer(challenge, scope);
    if (!authorization) return response;
    this.authorizations.set(scope, authorization);
    response = await send(authorization);
    return response;
  }

  /** The Authorization header answering a challenge, or undefined when there is nothing to offer. */
  private async answer(challenge: { scheme: string; params: Readonly<Record<string, string>> }, scope: string): Promise<string | undefined> {
    const credentials = await this.auth.credentials();
    if (challenge.scheme === 'basic') return credentials ? basicHeader(credentials) : undefined;
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const url = new URL(challenge.params.realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const response = await this.fetchFn(url, {
      headers: credentials ? { Authorization: basicHeader(credentials) } : {},
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch((e: unknown) => {
      throw new RegistryError(`token service ${url.origin}${url.pathname}: ${(e as Error).message}`);
    });
    if (!response.ok) throw new RegistryError(`token service ${url.origin}${url.pathname}: HTTP ${response.status} (credentials: ${this.auth.description})`, response.status);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`token service ${url.origin}${url.pathname}: answer has no token`);
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
