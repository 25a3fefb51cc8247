import { InitOptionError, PLACEHOLDER_REGISTRY, resolveInitOptions, type InitFlags } from '../../lib/scaffold/init-options.js';

const resolve = (flags: InitFlags, dir = 'acme') => resolveInitOptions(flags, dir, '0.2.0');

function refusal(flags: InitFlags, dir = 'acme'): { flag: string; message: string } {
  try {
    resolve(flags, dir);
  } catch (e) {
    if (e instanceof InitOptionError) return { flag: e.flag, message: e.message };
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(flags)}`);
}

test('defaults: the directory name, a placeholder ECR registry, a GitHub URL from the name, dev,stage,prod, app, ^<version>', () => {
  expect(resolve({})).toEqual({
    name: 'acme',
    registry: PLACEHOLDER_REGISTRY,
    repoUrl: 'https://github.com/acme/acme-platform.git',
    environments: ['dev', 'stage', 'prod'],
    service: 'app',
    ferrySpec: '^0.2.0',
    ferryVersion: '0.2.0',
  });
});

test('every flag given is taken as given; the environment list is trimmed and keeps its order', () => {
  expect(
    resolve({
      name: 'shop',
      registry: 'registry.example.com:5000/team',
      repoUrl: 'git@github.com:example-org/shop-platform.git',
      environments: 'qa, uat,live',
      service: 'api',
      ferry: 'file:../ferry-0.2.0.tgz',
    }, 'Not A Label'),
  ).toEqual({
    name: 'shop',
    registry: 'registry.example.com:5000/team',
    repoUrl: 'git@github.com:example-org/shop-platform.git',
    environments: ['qa', 'uat', 'live'],
    service: 'api',
    ferrySpec: 'file:../ferry-0.2.0.tgz',
    ferryVersion: '0.2.0',
  });
  expect(resolve({ repoUrl: 'ssh://git@example.com/platform.git', environments: 'prod' })).toMatchObject({ repoUrl: 'ssh://git@example.com/platform.git', environments: ['prod'] });
});

const NAME_RULE = "lowercase letters, digits and '-', starting with a letter and not ending with '-', at most 40 characters, not 'default'";
const ENV_RULE = "DNS labels of at most 20 characters (lowercase letters, digits and '-', starting with a letter), not 'preview' or 'preview-*'";

test.each([
  [{ name: 'Shop_1' }, 'acme', '--name', `--name "Shop_1": not a platform name; allowed: ${NAME_RULE}`],
  [{ name: 'default' }, 'acme', '--name', `--name "default": not a platform name; allowed: ${NAME_RULE}`],
  [{ name: 'a'.repeat(41) }, 'acme', '--name', `--name "${'a'.repeat(41)}": not a platform name; allowed: ${NAME_RULE}`],
  [{}, 'My Platform', '--name', `--name: the directory name "My Platform" is not a platform name, so give one with --name <platform>; allowed: ${NAME_RULE}`],
  [
    { registry: 'https://registry.example.com' },
    'acme',
    '--registry',
    `--registry "https://registry.example.com": not a registry host; allowed: a lowercase host name with an optional :port and path, without a scheme, like ${PLACEHOLDER_REGISTRY}`,
  ],
  [
    { repoUrl: 'http://github.com/acme/platform.git' },
    'acme',
    '--repo-url',
    '--repo-url "http://github.com/acme/platform.git": not a git URL Argo CD can read; allowed: https://<host>/<owner>/<repo>.git, git@<host>:<owner>/<repo>.git or ssh://<host>/<path>',
  ],
  [{ environments: '' }, 'acme', '--environments', '--environments "": no environment; allowed: a comma-separated list in promotion order, like dev,stage,prod'],
  [{ environments: 'dev,,prod' }, 'acme', '--environments', `--environments "dev,,prod": "" is not an environment name; allowed: ${ENV_RULE}`],
  [{ environments: 'dev,Stage' }, 'acme', '--environments', `--environments "dev,Stage": "Stage" is not an environment name; allowed: ${ENV_RULE}`],
  [{ environments: 'dev,preview-1' }, 'acme', '--environments', `--environments "dev,preview-1": "preview-1" is not an environment name; allowed: ${ENV_RULE}`],
  [{ environments: 'dev,stage,dev' }, 'acme', '--environments', '--environments "dev,stage,dev": "dev" appears twice; list each environment once, in promotion order'],
  [
    { service: 'API' },
    'acme',
    '--service',
    `--service "API": not a service name; allowed: a DNS label of at most 40 characters (lowercase letters, digits and '-', starting with a letter)`,
  ],
  [
    { ferry: 'latest' },
    'acme',
    '--ferry',
    '--ferry "latest": not a pinned npm spec; allowed: a version range like ^0.2.0, a file: tarball or folder, or a git URL with a ref',
  ],
  [{ ferry: 'file:a b.tgz' }, 'acme', '--ferry', '--ferry "file:a b.tgz": not a pinned npm spec; allowed: a version range like ^0.2.0, a file: tarball or folder, or a git URL with a ref'],
])('%j in directory %j is refused: %s', (flags, dir, flag, message) => {
  expect(refusal(flags, dir)).toEqual({ flag, message });
});
