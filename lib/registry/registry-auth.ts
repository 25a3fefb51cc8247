/** A user name and password (or an ECR token as password). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Where registry credentials come from. The client uses them for Basic challenges and to log in
 * to a bearer token service; undefined means anonymous.
 */
export interface RegistryAuth {
  /** Short description for messages, e.g. 'anonymous', 'basic (user ci)', 'ECR token'. */
  readonly description: string;
  credentials(): Promise<RegistryCredentials | undefined>;
}

/** No credentials: public registries, or a token service that grants anonymous pulls. */
export const ANONYMOUS: RegistryAuth = { description: 'anonymous', credentials: async () => undefined };

/** Fixed user name and password. */
export function basicAuth(username: string, password: string): RegistryAuth {
  return { description: `basic (user ${username})`, credentials: async () => ({ username, password }) };
}

/** `Authorization: Basic ...` */
export function basicHeader(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** One parsed `WWW-Authenticate` challenge. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:api:pull"`. */
export function parseChallenge(header: string): AuthChallenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m = re.exec(match[2]!); m; m = re.exec(match[2]!)) params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  return { scheme: match[1]!.toLowerCase(), params };
}
