/**
 * The one home of the rules for values that leave ferry: into git (URLs, refs), kustomize, a
 * Kubernetes name, label, host or namespace, an image tag, or a path of the rendered tree. Each
 * rule is the one its consumer applies (Kubernetes' DNS-1123 names and label values, the OCI tag
 * grammar, git's ref-name rules), plus ferry's own: no credentials in URLs, nothing a command
 * line would read as an option, no shell metacharacters.
 *
 * Every check throws an Error `<where>: <value> <what is wrong>; rule: <the rule>`, where `where`
 * names the file and key the value came from.
 */

/** JSON of a value for messages, capped so a hostile 1 MB value does not become a 1 MB message. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value ?? null) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 60)}…(${text.length} characters)` : text;
}

function fail(where: string, value: unknown, problem: string, rule: string): never {
  throw new Error(`${where}: ${showValue(value)} ${problem}; rule: ${rule}`);
}

function string(value: unknown, where: string, rule: string): string {
  if (typeof value !== 'string') fail(where, value, 'is not a string', rule);
  return value;
}

/** Characters a POSIX shell gives a meaning to, and control characters. */
const SHELL_META = /[\s'"`$;&|<>(){}[\]\\*?!#~^\x00-\x1f\x7f]/;

export const RULES = {
  dns1123Label: (max: number) => `a DNS-1123 label: at most ${max} characters, lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
  dns1123Subdomain: "a DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels of at most 63 characters each (lowercase letters, digits, '-', alphanumeric at both ends)",
  host: 'a fully qualified host name: dot-separated DNS-1123 labels of at most 63 characters each, at most 253 in all, ending in a top-level domain of letters',
  labelValue: "a Kubernetes label value: at most 63 characters of letters, digits, '-', '_' and '.', beginning and ending with a letter or digit (or empty)",
  imageTag: "an image tag: at most 128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'",
  gitUrl: "an https://host/path, ssh://[user@]host[:port]/path or git@host:path URL without credentials (user:password@, tokens), option-like parts (a leading '-') or shell metacharacters",
  gitRef:
    "a git ref name (git check-ref-format): letters, digits, '.', '_', '-' and '/', not starting with '-' or '/', no '..', '//', '@{', no component starting with '.' or ending in '.lock', not ending in '/' or '.', at most 255 characters",
  notOptionLike: "no leading '-': a command line would read it as an option",
  pathSegment: "one folder name of the rendered tree: a DNS-1123 label (no '/', '..', spaces or upper case)",
  githubOwner: "a GitHub user or organisation: 1 to 39 letters, digits and single '-' between them",
  githubRepo: "a GitHub repository name: 1 to 100 letters, digits, '.', '_' and '-', not '.' or '..'",
} as const;

const DNS_1123_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL_DIGIT_START = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `value` is a DNS label of at most `maxLength` characters that starts with a letter (RFC 1035, as Service names need). */
export function isDnsLabel(value: unknown, maxLength = 63): boolean {
  return typeof value === 'string' && value.length <= maxLength && DNS_1123_LABEL.test(value);
}

/** A DNS-1123 label starting with a letter (names of services, environments, clusters, namespaces). */
export function checkDnsLabel(value: unknown, where: string, maxLength = 63): string {
  const rule = RULES.dns1123Label(maxLength);
  const text = string(value, where, rule);
  if (text.length > maxLength) fail(where, value, `has ${text.length} characters`, rule);
  if (!DNS_1123_LABEL.test(text)) fail(where, value, 'is not a DNS-1123 label', rule);
  return text;
}

/** Whether `value` is a DNS-1123 subdomain (Kubernetes object names like Secrets, IngressClasses). */
export function isDnsSubdomain(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 253 && value.split('.').every((l) => l.length <= 63 && DNS_1123_LABEL_DIGIT_START.test(l));
}

export function checkDnsSubdomain(value: unknown, where: string): string {
  const text = string(value, where, RULES.dns1123Subdomain);
  if (!isDnsSubdomain(text)) fail(where, value, text.length > 253 ? `has ${text.length} characters` : 'is not a DNS-1123 subdomain', RULES.dns1123Subdomain);
  return text;
}

/** Whether `value` is a fully qualified host name an Ingress accepts. */
export function isHostName(value: unknown): boolean {
  // One expression instead of a split per label: a platform checks every service's host in every environment.
  return typeof value === 'string' && value.length <= 253 && HOST_NAME.test(value);
}

/** DNS-1123 labels of at most 63 characters, dot-separated, the last (the top-level domain) of 2 to 63 letters. */
const HOST_NAME = /^(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function checkHostName(value: unknown, where: string): string {
  const text = string(value, where, RULES.host);
  if (!isHostName(text)) {
    const long = text.split('.').find((l) => l.length > 63);
    fail(where, value, long ? `has a ${long.length}-character label` : text.length > 253 ? `has ${text.length} characters` : 'is not a fully qualified host name', RULES.host);
  }
  return text;
}

const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Whether `value` is a valid Kubernetes label value. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

export function checkLabelValue(value: unknown, where: string): string {
  const text = string(value, where, RULES.labelValue);
  if (!isLabelValue(text)) fail(where, value, text.length > 63 ? `has ${text.length} characters` : 'is not a label value', RULES.labelValue);
  return text;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Whether `value` is a Kubernetes label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters. */
export function isLabelKey(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const slash = value.lastIndexOf('/');
  const name = slash < 0 ? value : value.slice(slash + 1);
  const prefix = slash < 0 ? undefined : value.slice(0, slash);
  return name.length <= 63 && LABEL_NAME.test(name) && (prefix === undefined || isDnsSubdomain(prefix));
}

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Whether `value` is an image tag a registry and kustomize accept (OCI distribution spec). */
export function isImageTag(value: unknown): boolean {
  return typeof value === 'string' && IMAGE_TAG.test(value);
}

export function checkImageTagSyntax(value: unknown, where: string): string {
  const text = string(value, where, RULES.imageTag);
  if (!isImageTag(text)) fail(where, value, text.length > 128 ? `has ${text.length} characters` : 'is not an image tag', RULES.imageTag);
  return text;
}

/** Refuses a value a command line would read as an option. */
export function checkNotOptionLike(value: unknown, where: string): string {
  const text = string(value, where, RULES.notOptionLike);
  if (text.startsWith('-')) fail(where, value, "starts with '-'", RULES.notOptionLike);
  return text;
}

/** Whether `value` is a git ref name ferry writes into Argo CD files and passes to git. */
export function isGitRef(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) return false;
  if (!/^[A-Za-z0-9._/-]+$/.test(value)) return false;
  if (value.startsWith('-') || value.startsWith('/') || value.endsWith('/') || value.endsWith('.')) return false;
  if (value.includes('..') || value.includes('//') || value.includes('@{') || value === '@') return false;
  return value.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

export function checkGitRef(value: unknown, where: string): string {
  const text = string(value, where, RULES.gitRef);
  if (text.startsWith('-')) fail(where, value, "starts with '-' (git would read it as an option)", RULES.gitRef);
  if (!isGitRef(text)) fail(where, value, SHELL_META.test(text) ? 'holds a space, control or shell metacharacter' : 'is not a git ref name', RULES.gitRef);
  return text;
}

/**
 * A git repository URL Argo CD and git may be given: https, ssh or scp-like, with no credentials
 * (they would be committed in the Argo CD files), no option-like host or path and no shell
 * metacharacters.
 */
export function checkGitUrl(value: unknown, where: string): string {
  const rule = RULES.gitUrl;
  const text = string(value, where, rule);
  if (text.length > 2048) fail(where, value, `has ${text.length} characters`, rule);
  if (SHELL_META.test(text)) fail(where, value, 'holds a space, quote, control or shell metacharacter', rule);
  const scp = /^git@([^:/]+):(.+)$/.exec(text);
  if (scp) {
    const [, host, path] = scp as unknown as [string, string, string];
    if (!isHostName(host) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(host)) fail(where, value, `has host '${host}', which is not a host name`, rule);
    if (path.startsWith('-') || path.startsWith('/')) fail(where, value, "has a path starting with '-' or '/'", rule);
    if (path.split('/').some((p) => p === '..' || p === '')) fail(where, value, "has an empty or '..' path segment", rule);
    return text;
  }
  if (!/^(https|ssh):\/\//.test(text)) fail(where, value, 'is not an https:// or ssh:// URL or git@host:path', rule);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(where, value, 'is not a URL', rule);
  }
  const authority = /^[a-z]+:\/\/([^/?#]*)/.exec(text)![1]!;
  if (authority.startsWith('-')) fail(where, value, "has a host starting with '-' (ssh would read it as an option)", rule);
  if (url.password !== '') {
    fail(where, value, 'holds a password or token (user:password@); it would be committed in the Argo CD files — give Argo CD a repository credential Secret instead', rule);
  }
  if (url.protocol === 'https:' && url.username !== '') {
    fail(where, value, 'holds a user name or token before @; it would be committed in the Argo CD files — give Argo CD a repository credential Secret instead', rule);
  }
  if (url.protocol === 'ssh:' && url.username !== '' && !/^[a-z_][a-z0-9_-]{0,31}$/.test(url.username)) {
    fail(where, value, `has user '${url.username}', which is not a plain ssh user like 'git'`, rule);
  }
  if (url.username.startsWith('-') || url.hostname.startsWith('-')) fail(where, value, "has a user or host starting with '-'", rule);
  if (!isHostName(url.hostname) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(url.hostname)) fail(where, value, `has host '${url.hostname}', which is not a host name`, rule);
  if (url.search !== '' || url.hash !== '') fail(where, value, 'has a query or fragment', rule);
  const segments = url.pathname.split('/').slice(1);
  if (segments.length === 0 || segments.every((s) => s === '')) fail(where, value, 'has no repository path', rule);
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('-'))) fail(where, value, "has a '.', '..' or option-like path segment", rule);
  return text;
}

/** One folder name of the rendered tree (cluster and environment names become folders). */
export function checkPathSegment(value: unknown, where: string, maxLength = 63): string {
  const text = string(value, where, RULES.pathSegment);
  if (!isDnsLabel(text, maxLength)) fail(where, value, 'is not a safe folder name', RULES.pathSegment);
  return text;
}

export function checkGithubOwner(value: unknown, where: string): string {
  const text = string(value, where, RULES.githubOwner);
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(text)) fail(where, value, 'is not a GitHub owner', RULES.githubOwner);
  return text;
}

export function checkGithubRepo(value: unknown, where: string): string {
  const text = string(value, where, RULES.githubRepo);
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(text) || text === '.' || text === '..' || text.startsWith('-')) fail(where, value, 'is not a GitHub repository name', RULES.githubRepo);
  return text;
}

/**
 * Names for an error's "allowed" list: all of them when few, else those that share the longest
 * prefix with `wanted` (likely what was meant), then the first ones, up to `max`, and how many more.
 */
export function listNames(names: readonly string[], wanted = '', max = 20): string {
  if (names.length <= max) return names.join(', ');
  const common = (name: string) => {
    let i = 0;
    while (i < name.length && i < wanted.length && name[i] === wanted[i]) i++;
    return i;
  };
  const closest = [...names].sort((a, b) => common(b) - common(a)).slice(0, Math.min(5, max));
  const shown = [...closest, ...names.filter((n) => !closest.includes(n))].slice(0, max);
  return `${shown.join(', ')} and ${names.length - shown.length} more`;
}
