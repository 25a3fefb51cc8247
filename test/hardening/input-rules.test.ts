/**
 * Issue 12, "input that reaches git or the cluster": each value of the issue, refused where it is
 * given, with a message naming the file or key, the value and the rule (model/names.ts); and the
 * same rules applied to rendered objects by `ferry validate` (nameProblems).
 */
import { performance } from 'node:perf_hooks';
import { nameProblems } from '../../lib/render/verify-tree.js';
import { checkGitRef, checkGitUrl, checkHostName, checkImageTagSyntax, checkLabelValue, isGitRef } from '../../model/names.js';
import { TagFormat } from '../../model/image-tag.js';
import { Environment, Platform, Profiles, type PlatformProps, type ServiceProps } from '../../model/platform.js';
import { parseStackConfig, projectValues, type ConfigSource } from '../../model/stack-config.js';
import { MAX_STACK_FILE_BYTES } from '../../model/stack-yaml.js';

const BASE: PlatformProps = {
  name: 'shop',
  repoURL: 'https://github.com/example-org/shop.git',
  registry: 'registry.example.com',
  services: [{ name: 'api', host: 'api.example.com' }],
  environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production())],
};
const platform = (props: Partial<PlatformProps> = {}) => new Platform({ ...BASE, ...props });

describe('platform definition: values that reach git, Argo CD and the cluster', () => {
  test.each<[string, Partial<PlatformProps>, string]>([
    ['credentials in repoURL', { repoURL: 'https://user:pass@github.com/x/y.git' }, `platform 'repoURL': "https://user:pass@github.com/x/y.git" holds a password or token (user:password@); it would be committed in the Argo CD files`],
    ['a token as user in repoURL', { repoURL: 'https://ghp_abc@github.com/x/y.git' }, 'holds a user name or token before @'],
    ['a quote in repoURL', { repoURL: 'https://github.com/x/y.git"' }, `platform 'repoURL': "https://github.com/x/y.git\\"" holds a space, quote, control or shell metacharacter; rule: an https://host/path`],
    ['an option as ssh host', { repoURL: 'ssh://-oProxyCommand=touch%20pwned/x/y' }, `platform 'repoURL': "ssh://-oProxyCommand=touch%20pwned/x/y" has a host starting with '-' (ssh would read it as an option)`],
    ['an option as targetRevision', { targetRevision: '--upload-pack=touch /tmp/pwned' }, `platform 'targetRevision': "--upload-pack=touch /tmp/pwned" starts with '-' (git would read it as an option); rule: a git ref name`],
    ['a shell command in targetRevision', { targetRevision: 'main; rm -rf /' }, `platform 'targetRevision': "main; rm -rf /" holds a space, control or shell metacharacter; rule: a git ref name`],
    ['a label value with a space', { allowedIngressNamespaces: ['Kube System'] }, `platform 'allowedIngressNamespaces[0]': "Kube System" is not a DNS-1123 label; rule: a DNS-1123 label`],
    ['a namespace with a space', { argocdNamespace: 'Argo CD' }, `platform 'argocdNamespace': "Argo CD" is not a DNS-1123 label; rule: a DNS-1123 label`],
    ['a 64-character host label', { services: [{ name: 'api', host: `${'a'.repeat(64)}.example.com` }] }, `service 'api': 'host': "${'a'.repeat(64)}.example.com" has a 64-character label; rule: a fully qualified host name`],
    ['a cluster folder with a space', { previews: { owner: 'o', repo: 'r', cluster: 'Prod X' } }, `platform 'previews.cluster': "Prod X" is not a safe folder name; rule: one folder name of the rendered tree`],
    ['a null env value', { services: [{ name: 'api', env: { MODE: null } } as unknown as ServiceProps] }, `service 'api': env 'MODE' null must be a string`],
    ['an ingress class with upper case', { ingressClassName: 'Nginx' }, `platform 'ingressClassName': "Nginx" is not a DNS-1123 subdomain`],
    ['a preview owner that is an option', { previews: { owner: '--help', repo: 'r' } }, `platform 'previews.owner': "--help" is not a GitHub owner`],
    ['a host too long with its prefix', { services: [{ name: 'api', host: `${'a.'.repeat(124)}com` }] }, `environment 'dev': host of service 'api' (hostPrefix + host)`],
  ])('%s is refused', (_name, props, message) => {
    expect(() => platform(props)).toThrow(message);
  });

  test('an environment namespace or cluster a cluster or folder would refuse', () => {
    expect(() => Environment.of('prod', { namespace: 'Argo CD' })).toThrow(`environment 'prod': 'namespace': "Argo CD" is not a DNS-1123 label`);
    expect(() => Environment.of('prod', { cluster: 'Prod X' })).toThrow(`environment 'prod': 'cluster': "Prod X" is not a safe folder name`);
    expect(() => Environment.of('prod', null as never)).toThrow(`environment 'prod': profile null must be a mapping`);
  });

  test('the forms a platform uses stay accepted', () => {
    for (const repoURL of ['https://github.com/x/y.git', 'git@github.com:x/y.git', 'ssh://git@github.com/x/y.git', 'ssh://git@git.example.com:2222/x/y.git']) expect(() => platform({ repoURL })).not.toThrow();
    for (const targetRevision of ['main', 'release/1.2', 'v1.2.3', 'HEAD', '1a2b3c4d']) expect(() => platform({ targetRevision })).not.toThrow();
  });
});

describe('the rules themselves', () => {
  test('git refs follow git check-ref-format, and nothing option-like or shell-like', () => {
    for (const bad of ['-x', 'a..b', 'a//b', 'a/', '.a', 'a/.b', 'a.lock', 'a@{1}', '@', 'a b', 'a;b', 'a$b', 'a`b', '', 'x'.repeat(256)]) expect(isGitRef(bad)).toBe(false);
    expect(() => checkGitRef(42, 'k')).toThrow('k: 42 is not a string; rule: a git ref name');
  });
  test('label values: 63 characters, alphanumeric ends', () => {
    expect(checkLabelValue('', 'k')).toBe('');
    expect(checkLabelValue('a.b_c-d', 'k')).toBe('a.b_c-d');
    expect(() => checkLabelValue('-a', 'k')).toThrow('k: "-a" is not a label value; rule: a Kubernetes label value');
    expect(() => checkLabelValue('a'.repeat(64), 'k')).toThrow('has 64 characters; rule: a Kubernetes label value');
  });
  test('image tags: 128 characters', () => {
    expect(checkImageTagSyntax('a'.repeat(128), 'k')).toBe('a'.repeat(128));
    expect(() => checkImageTagSyntax('a'.repeat(129), 'k')).toThrow('has 129 characters; rule: an image tag');
  });
  test('hosts: 63 per label, 253 in all', () => {
    expect(() => checkHostName(`${'a.'.repeat(126)}com`, 'k')).toThrow('has 255 characters');
    expect(() => checkGitUrl('https://github.com', 'k')).toThrow('has no repository path');
  });
});

describe('stack files', () => {
  const custom = TagFormat.custom('any', 'anything', 'x1', /^x[0-9a-z]*$/);
  const p = platform({ environments: [Environment.of('dev', Profiles.development({ tagFormats: [custom] }))] });
  const source: ConfigSource = { file: 'Pulumi.dev.yaml', project: 'shop', platform: p, environment: p.environment('dev') };

  test('a 402-character tag is refused even by a loose custom format', () => {
    const tag = `x${'a'.repeat(401)}`;
    expect(() => parseStackConfig({ images: { api: tag } }, source)).toThrow(
      `Pulumi.dev.yaml: shop:images.api: image tag "x${'a'.repeat(58)}…(404 characters) is not an image tag (402 characters); rule: an image tag: at most 128 characters`,
    );
  });

  test('unknown keys inside resources are refused, not dropped', () => {
    expect(() =>
      parseStackConfig({ images: { api: 'x1' }, resources: { requests: { cpu: '1', memory: '1Gi', gpu: '1' }, limits: { cpu: '1', memory: '1Gi' } } }, source),
    ).toThrow('Pulumi.dev.yaml: shop:resources.requests.gpu: unknown key; allowed: cpu, memory');
    expect(() => parseStackConfig({ images: { api: 'x1' }, services: { api: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' }, extra: 1 } } } }, source)).toThrow(
      'Pulumi.dev.yaml: shop:services.api.resources.extra: unknown key; allowed: requests, limits',
    );
  });

  test('deep nesting is a message, never a stack overflow', () => {
    const deep = `config:\n  shop:images: ${'['.repeat(100000)}${']'.repeat(100000)}\n`;
    expect(() => projectValues(deep, 'Pulumi.dev.yaml', 'shop')).toThrow('Pulumi.dev.yaml: line 2: nested more than 16 levels deep');
    const blocks = `config:\n${Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} x\n`;
    expect(() => projectValues(blocks, 'Pulumi.dev.yaml', 'shop')).toThrow(/^Pulumi\.dev\.yaml: (line \d+: indented more than|nested \d+ levels deep)/);
  });

  test('a 1.1 MB stack file is refused at once; a 1 MB one is read in seconds, not minutes', () => {
    const big = `config:\n  shop:images:\n    api: x1\n  pad: "${'x'.repeat(1.1 * 1024 * 1024)}"\n`;
    let start = performance.now();
    expect(() => projectValues(big, 'Pulumi.dev.yaml', 'shop')).toThrow(`Pulumi.dev.yaml: ${Buffer.byteLength(big)} bytes; a stack file may have at most ${MAX_STACK_FILE_BYTES} bytes`);
    expect(performance.now() - start).toBeLessThan(1000);
    // Just under the limit, in the shapes that are slow for a parser: many keys, many flow items.
    const keys = `config:\n  shop:images:\n    api: x1\n${Array.from({ length: 30000 }, (_, i) => `  shop:k${i}: v${i}`).join('\n')}\n`.slice(0, MAX_STACK_FILE_BYTES - 10);
    const flow = `config:\n  shop:images: {api: x1}\n  shop:list: [${Array.from({ length: 120000 }, () => '"a"').join(',')}]\n`;
    for (const text of [keys, flow]) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_STACK_FILE_BYTES);
      start = performance.now();
      try {
        const values = projectValues(text, 'Pulumi.dev.yaml', 'shop');
        expect(() => parseStackConfig(values, source)).toThrow(/^Pulumi\.dev\.yaml: shop:(k0|list): unknown key/);
      } catch (e) {
        expect((e as Error).message).toMatch(/^Pulumi\.dev\.yaml: /);
      }
      expect(performance.now() - start).toBeLessThan(10000);
    }
  });
});

describe('ferry validate: names, labels, hosts of rendered objects', () => {
  test('what the cluster would refuse is a problem naming the object and the rule', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'Api', namespace: 'Argo CD', labels: { 'app.kubernetes.io/part-of': 'Kube System' } } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'api' }, spec: { rules: [{ host: `${'a'.repeat(64)}.example.com` }] } },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'api-prod' },
        spec: { source: { repoURL: 'https://user:pass@github.com/x/y.git', targetRevision: '--upload-pack=x' }, destination: { namespace: 'Prod X' } },
      },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { template: { spec: { containers: [{ name: 'api', image: `r.example.com/api:${'a'.repeat(402)}` }] } } } },
    ];
    expect(nameProblems(objects, 'manifests/overlays/prod/api').map((p) => `${p.object}: ${p.message.split('; rule:')[0]}`)).toEqual([
      'Service/Argo CD/Api: metadata.name "Api" is refused by the cluster',
      'Service/Argo CD/Api: metadata.namespace "Argo CD" is refused by the cluster',
      'Service/Argo CD/Api: metadata.labels.app.kubernetes.io/part-of: label value "Kube System" is refused by the cluster',
      `Ingress/api: host "${'a'.repeat(64)}.example.com" is refused by the cluster`,
      'Application/api-prod: source.repoURL "https://user:pass@github.com/x/y.git" holds credentials, committed in git',
      'Application/api-prod: source.targetRevision "--upload-pack=x" is refused',
      'Application/api-prod: destination.namespace "Prod X" is refused by the cluster',
      `Deployment/api: container 'api': image tag "${'a'.repeat(402)}" is refused by the registry`,
    ]);
  });
});
