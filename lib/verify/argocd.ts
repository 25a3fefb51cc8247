/** A minimal Argo CD API client: reading one Application with a bearer token. */
import { HttpClient, HttpError, isLoopback } from '../http/http-client.js';
import { applicationStatus, FatalApiError, type ApplicationStatus } from './verify.js';

export interface ArgoCdClientProps {
  /** Base URL of the Argo CD server, e.g. 'https://argocd.example.com'. */
  readonly url: string;
  /** API token (an Argo CD account token, as ARGOCD_AUTH_TOKEN). */
  readonly token: string;
  /**
   * Per-request timeout in milliseconds.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Largest Application JSON read, in bytes.
   * @default DEFAULT_MAX_BODY_BYTES (4 MiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * Allow plain http to a server that is not on loopback (the token would travel in clear).
   * @default false
   */
  readonly allowInsecure?: boolean;
  /**
   * The HTTP client; when given, the limits above are its business.
   * @default - a client with the limits above
   */
  readonly http?: HttpClient;
}

/**
 * Checks and normalises an Argo CD base URL; `where` names its source in the error. User info is
 * dropped (the token goes in a header; a password in the URL would only end up in messages), and
 * plain http is refused unless the server is on loopback (a port-forward) or `allowInsecure`.
 */
export function checkArgoCdUrl(url: string, where: string, allowInsecure = false): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${where}: ${JSON.stringify(url)} is not a URL; give the Argo CD server like https://argocd.example.com`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`${where}: ${JSON.stringify(url)} must be an http(s) URL like https://argocd.example.com`);
  }
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname) && !allowInsecure) {
    throw new Error(`${where}: ${JSON.stringify(url)} is plain http to ${parsed.host}; the token would travel in clear: use https (plain http is allowed only to loopback, e.g. a port-forward to 127.0.0.1)`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/+$/, '');
  }
  return url.replace(/\/+$/, '');
}

export class ArgoCdClient {
  private readonly url: string;
  private readonly http: HttpClient;

  public constructor(private readonly props: ArgoCdClientProps) {
    this.url = checkArgoCdUrl(props.url, 'Argo CD URL', props.allowInsecure);
    this.http = props.http ?? new HttpClient({ timeoutMs: props.requestTimeoutMs ?? 30_000, maxBodyBytes: props.maxBodyBytes, allowInsecure: props.allowInsecure });
  }

  /**
   * GET /api/v1/applications/<name>; `refresh` asks Argo CD to compare with git now.
   * @throws FatalApiError on 401, 403 and 404, plain http and an oversized answer (waiting will not help); Error on anything else
   */
  public async application(name: string, refresh = false): Promise<ApplicationStatus> {
    const url = `${this.url}/api/v1/applications/${encodeURIComponent(name)}${refresh ? '?refresh=normal' : ''}`;
    const response = await this.http
      .request(url, { headers: { Authorization: `Bearer ${this.props.token}`, Accept: 'application/json' } })
      .catch((e: unknown) => {
        if (e instanceof HttpError && (e.kind === 'insecure' || e.kind === 'too-large')) throw new FatalApiError(e.message);
        throw e;
      });
    const body = response.body.toString('utf8');
    if (response.ok) {
      try {
        return applicationStatus(JSON.parse(body));
      } catch {
        throw new Error(`GET ${url}: answered ${response.status} with a body that is not JSON`);
      }
    }
    const detail = apiMessage(body);
    if (response.status === 401) {
      throw new FatalApiError(`GET ${url}: 401 Unauthorized${detail}; ARGOCD_AUTH_TOKEN is missing, expired or not valid for this Argo CD`);
    }
    if (response.status === 403) {
      throw new FatalApiError(`GET ${url}: 403 Forbidden${detail}; the token's account needs 'applications, get' on Application '${name}' (Argo CD also answers 403 for an Application that does not exist)`);
    }
    if (response.status === 404) throw new FatalApiError(`GET ${url}: 404 Not Found${detail}; no Application '${name}' on this Argo CD`);
    throw new Error(`GET ${url}: ${response.status} ${response.statusText}${detail}`);
  }
}

function apiMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown; error?: unknown }).message ?? (JSON.parse(body) as { error?: unknown }).error;
    return typeof message === 'string' && message !== '' ? ` (${message})` : '';
  } catch {
    return '';
  }
}
