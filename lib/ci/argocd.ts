/** A minimal Argo CD API client: reading one Application with a bearer token. */
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
}

/** Checks and normalises an Argo CD base URL; `where` names its source in the error. */
export function checkArgoCdUrl(url: string, where: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${where}: ${JSON.stringify(url)} is not a URL; give the Argo CD server like https://argocd.example.com`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`${where}: ${JSON.stringify(url)} must be an http(s) URL like https://argocd.example.com`);
  }
  return url.replace(/\/+$/, '');
}

export class ArgoCdClient {
  private readonly url: string;
  private readonly requestTimeoutMs: number;

  public constructor(private readonly props: ArgoCdClientProps) {
    this.url = checkArgoCdUrl(props.url, 'Argo CD URL');
    this.requestTimeoutMs = props.requestTimeoutMs ?? 30_000;
  }

  /**
   * GET /api/v1/applications/<name>; `refresh` asks Argo CD to compare with git now.
   * @throws FatalApiError on 401, 403 and 404 (waiting will not help); Error on anything else
   */
  public async application(name: string, refresh = false): Promise<ApplicationStatus> {
    const url = `${this.url}/api/v1/applications/${encodeURIComponent(name)}${refresh ? '?refresh=normal' : ''}`;
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${this.props.token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(this.requestTimeoutMs),
    });
    const body = await response.text();
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
