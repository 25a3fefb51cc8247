import { ANONYMOUS, basicAuth, type RegistryAuth } from './registry-auth.js';
import { AwsCliEcrTokenProvider, ecrAuth, ecrRegion, type EcrTokenProvider } from './ecr-token-provider.js';
import type { HttpClient } from '../http/http-client.js';
import { RegistryClient } from './registry-client.js';

/** Where the platform's images live: a client and the repository prefix inside the registry. */
export interface RegistryEndpoint {
  readonly client: RegistryClient;
  /** Registry host as the platform names it (for messages). */
  readonly host: string;
  /** Path prefix of repositories ('' for none). */
  readonly prefix: string;
}

/** Options of the endpoint of `platform.registry`. */
export interface RegistryEndpointOptions {
  /**
   * Base URL used instead of `https://<host>` (a mirror, or plain http on loopback in tests).
   * @default - `https://<registry host>`
   */
  readonly url?: string;
  /**
   * Environment variables: FERRY_REGISTRY_URL, FERRY_REGISTRY_USERNAME, FERRY_REGISTRY_PASSWORD, and
   * FERRY_REGISTRY_INSECURE=true to allow plain http to a registry that is not on loopback.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * ECR token source for `*.dkr.ecr.*.amazonaws.com` registries.
   * @default new AwsCliEcrTokenProvider()
   */
  readonly ecr?: EcrTokenProvider;
  /**
   * The HTTP client (tests pass one with small limits).
   * @default - RegistryClient's own
   */
  readonly http?: HttpClient;
}

/**
 * The endpoint of a platform registry string like '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
 * or 'registry.example.com/team'. Credentials: FERRY_REGISTRY_USERNAME/PASSWORD when set, else an
 * ECR token for ECR hosts, else anonymous.
 */
export function registryEndpoint(registry: string, options: RegistryEndpointOptions = {}): RegistryEndpoint {
  const env = options.env ?? {};
  const slash = registry.indexOf('/');
  const host = slash < 0 ? registry : registry.slice(0, slash);
  const prefix = slash < 0 ? '' : registry.slice(slash + 1);
  const url = options.url ?? env.FERRY_REGISTRY_URL ?? `https://${host}`;
  let auth: RegistryAuth = ANONYMOUS;
  const region = ecrRegion(host);
  if (env.FERRY_REGISTRY_USERNAME && env.FERRY_REGISTRY_PASSWORD !== undefined) auth = basicAuth(env.FERRY_REGISTRY_USERNAME, env.FERRY_REGISTRY_PASSWORD);
  else if (region !== undefined && options.url === undefined && env.FERRY_REGISTRY_URL === undefined) auth = ecrAuth(options.ecr ?? new AwsCliEcrTokenProvider(), region);
  const allowInsecure = env.FERRY_REGISTRY_INSECURE === 'true' || env.FERRY_REGISTRY_INSECURE === '1';
  return { client: new RegistryClient({ baseUrl: url, auth, allowInsecure, http: options.http }), host, prefix };
}

/** Repository path inside the registry of a service repository. */
export function repositoryPath(endpoint: RegistryEndpoint, repository: string): string {
  return endpoint.prefix ? `${endpoint.prefix}/${repository}` : repository;
}
