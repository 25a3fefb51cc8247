/**
 * What `ferry init` is asked for, checked before anything is written: every refusal names the
 * flag, the value given and what is allowed. The rules are the platform model's own (a name the
 * scaffold accepts is one `new Platform(...)` accepts), so the first render cannot fail on them.
 */
import { isDnsLabel } from '../../model/platform.js';

/** The flags of `ferry init`, as given (undefined: not given). */
export interface InitFlags {
  /** Platform name. @default - the target directory's name */
  readonly name?: string;
  /** Registry host of every image. @default PLACEHOLDER_REGISTRY */
  readonly registry?: string;
  /** Git repository Argo CD reads the manifests from. @default 'https://github.com/<name>/<name>-platform.git' */
  readonly repoUrl?: string;
  /** Comma-separated environments in promotion order. @default 'dev,stage,prod' */
  readonly environments?: string;
  /** The first service. @default 'app' */
  readonly service?: string;
  /** npm spec of the ferry dependency. @default '^<engine version>' */
  readonly ferry?: string;
}

/** Every choice of a scaffold, resolved and valid. */
export interface InitOptions {
  readonly name: string;
  readonly registry: string;
  readonly repoUrl: string;
  /** In promotion order; at least one. */
  readonly environments: readonly string[];
  readonly service: string;
  /** npm spec written as the `ferry` dependency of the new repository. */
  readonly ferrySpec: string;
  /** The engine version that scaffolded it, named in generated headers. */
  readonly ferryVersion: string;
}

/** An ECR host of a made-up account: obviously a placeholder, yet a valid registry host. */
export const PLACEHOLDER_REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
export const DEFAULT_ENVIRONMENTS = ['dev', 'stage', 'prod'] as const;
export const DEFAULT_SERVICE = 'app';

/** A flag value `ferry init` refuses: the CLI turns it into a usage error (exit 2). */
export class InitOptionError extends Error {
  public constructor(public readonly flag: string, message: string) {
    super(message);
  }
}

const PLATFORM_NAME_RULE = "lowercase letters, digits and '-', starting with a letter and not ending with '-', at most 40 characters, not 'default'";
const ENVIRONMENT_RULE = "DNS labels of at most 20 characters (lowercase letters, digits and '-', starting with a letter), not 'preview' or 'preview-*'";
const SERVICE_RULE = "a DNS label of at most 40 characters (lowercase letters, digits and '-', starting with a letter)";
// The same patterns `new Platform(...)` checks (model/platform.ts).
const REGISTRY = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/;
const REPO_URL = /^(https:\/\/|git@|ssh:\/\/)\S+$/;
/** npm specs that float to whatever is published next: a scaffold pins a range, a file or a git ref. */
const UNPINNED_SPECS = ['', 'latest', 'next', '*', 'x'];

function show(value: string): string {
  return JSON.stringify(value);
}

function platformName(flags: InitFlags, directoryName: string): string {
  if (flags.name !== undefined) {
    if (!isDnsLabel(flags.name, 40) || flags.name === 'default') {
      throw new InitOptionError('--name', `--name ${show(flags.name)}: not a platform name; allowed: ${PLATFORM_NAME_RULE}`);
    }
    return flags.name;
  }
  if (!isDnsLabel(directoryName, 40) || directoryName === 'default') {
    throw new InitOptionError(
      '--name',
      `--name: the directory name ${show(directoryName)} is not a platform name, so give one with --name <platform>; allowed: ${PLATFORM_NAME_RULE}`,
    );
  }
  return directoryName;
}

function environmentList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (value.trim() === '') {
    throw new InitOptionError('--environments', `--environments ${show(value)}: no environment; allowed: a comma-separated list in promotion order, like dev,stage,prod`);
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (!isDnsLabel(name, 20) || name === 'preview' || name.startsWith('preview-')) {
      throw new InitOptionError('--environments', `--environments ${show(value)}: ${show(name)} is not an environment name; allowed: ${ENVIRONMENT_RULE}`);
    }
    if (seen.has(name)) throw new InitOptionError('--environments', `--environments ${show(value)}: ${show(name)} appears twice; list each environment once, in promotion order`);
    seen.add(name);
  }
  return names;
}

/**
 * Resolves the flags of `ferry init` into the options of a scaffold.
 * @param directoryName basename of the target directory: the default platform name
 * @param ferryVersion version of the running engine: the default dependency is `^<version>`
 * @throws InitOptionError naming the flag, the value and what is allowed
 */
export function resolveInitOptions(flags: InitFlags, directoryName: string, ferryVersion: string): InitOptions {
  const name = platformName(flags, directoryName);
  const registry = flags.registry ?? PLACEHOLDER_REGISTRY;
  if (!REGISTRY.test(registry)) {
    throw new InitOptionError(
      '--registry',
      `--registry ${show(registry)}: not a registry host; allowed: a lowercase host name with an optional :port and path, without a scheme, like ${PLACEHOLDER_REGISTRY}`,
    );
  }
  const repoUrl = flags.repoUrl ?? `https://github.com/${name}/${name}-platform.git`;
  if (!REPO_URL.test(repoUrl)) {
    throw new InitOptionError(
      '--repo-url',
      `--repo-url ${show(repoUrl)}: not a git URL Argo CD can read; allowed: https://<host>/<owner>/<repo>.git, git@<host>:<owner>/<repo>.git or ssh://<host>/<path>`,
    );
  }
  const environments = flags.environments === undefined ? [...DEFAULT_ENVIRONMENTS] : environmentList(flags.environments);
  const service = flags.service ?? DEFAULT_SERVICE;
  if (!isDnsLabel(service, 40)) throw new InitOptionError('--service', `--service ${show(service)}: not a service name; allowed: ${SERVICE_RULE}`);
  const ferrySpec = flags.ferry ?? `^${ferryVersion}`;
  if (UNPINNED_SPECS.includes(ferrySpec.trim()) || /\s/.test(ferrySpec)) {
    throw new InitOptionError(
      '--ferry',
      `--ferry ${show(ferrySpec)}: not a pinned npm spec; allowed: a version range like ^${ferryVersion}, a file: tarball or folder, or a git URL with a ref`,
    );
  }
  return { name, registry, repoUrl, environments, service, ferrySpec, ferryVersion };
}
