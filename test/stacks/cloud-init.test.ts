import YAML from 'yaml';
import {
  bootstrapScript,
  CLOUD_INIT_PATHS,
  DEFAULT_ARGOCD_VERSION,
  DEFAULT_ARGO_ROLLOUTS_VERSION,
  DEFAULT_MICROK8S_CHANNEL,
  ecrLoginScript,
  findSecrets,
  microk8sCloudInit,
  type MicroK8sCloudInitProps,
} from '../../stacks/cloud-init.js';
import { cloudInitSchema, shellcheck } from './tools.js';

const props: MicroK8sCloudInitProps = {
  cluster: 'nonprod',
  repoURL: 'https://github.com/example-org/shop-platform.git',
  targetRevision: 'main',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  region: 'eu-west-1',
};

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
  owner: string;
}

function parse(document: string): { write_files: WriteFile[]; runcmd: unknown[]; packages: string[] } {
  return YAML.parse(document);
}

describe('microk8sCloudInit', () => {
  const document = microk8sCloudInit(props);
  const doc = parse(document);
  const file = (path: string) => doc.write_files.find((f) => f.path === path)!;

  test('passes the real cloud-init schema validator', () => {
    const result = cloudInitSchema(document);
    expect(result.output).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });

  test('the validator catches a broken document (the check can fail)', () => {
    const broken = document.replace('package_update: true', 'package_update: "sometimes"');
    expect(broken).not.toBe(document);
    expect(cloudInitSchema(broken).status).not.toBe(0);
    expect(cloudInitSchema(document.replace(/^#cloud-config\n/, '')).status).not.toBe(0);
  });

  test('every shell script in it passes shellcheck', () => {
    const scripts = doc.write_files.filter((f) => f.content.startsWith('#!'));
    expect(scripts.map((s) => s.path).sort()).toEqual([CLOUD_INIT_PATHS.bootstrap, CLOUD_INIT_PATHS.ecrLogin].sort());
    for (const script of scripts) {
      const result = shellcheck(script.content);
      expect({ path: script.path, output: result.output }).toEqual({ path: script.path, output: '' });
      expect(result.status).toBe(0);
    }
    // runcmd entries are argv lists, never shell strings that would escape shellcheck
    for (const entry of doc.runcmd) expect(Array.isArray(entry)).toBe(true);
    expect(doc.runcmd).toEqual([[CLOUD_INIT_PATHS.bootstrap]]);
  });

  test('shellcheck catches a bad script (the check can fail)', () => {
    expect(shellcheck('#!/bin/bash\nrm -rf $1/*\n').status).not.toBe(0);
  });

  test('scripts are root-only executables; units are readable', () => {
    expect(file(CLOUD_INIT_PATHS.bootstrap)).toMatchObject({ permissions: '0750', owner: 'root:root' });
    expect(file(CLOUD_INIT_PATHS.ecrLogin)).toMatchObject({ permissions: '0750', owner: 'root:root' });
    expect(file(CLOUD_INIT_PATHS.ecrLoginTimer)).toMatchObject({ permissions: '0644' });
  });

  test('installs MicroK8s from the pinned channel and enables dns, ingress, hostpath-storage and rbac', () => {
    const script = file(CLOUD_INIT_PATHS.bootstrap).content;
    expect(script).toContain(`readonly MICROK8S_CHANNEL='${DEFAULT_MICROK8S_CHANNEL}'`);
    expect(script).toContain('snap install microk8s --classic --channel="${MICROK8S_CHANNEL}"');
    expect(script).toContain('for addon in dns ingress hostpath-storage rbac; do');
    expect(DEFAULT_MICROK8S_CHANNEL).toMatch(/^\d+\.\d+\/stable$/);
  });

  test('installs pinned Argo CD and Argo Rollouts by version URL and waits for them', () => {
    const script = file(CLOUD_INIT_PATHS.bootstrap).content;
    expect(script).toContain(`readonly ARGOCD_VERSION='${DEFAULT_ARGOCD_VERSION}'`);
    expect(script).toContain(`readonly ARGO_ROLLOUTS_VERSION='${DEFAULT_ARGO_ROLLOUTS_VERSION}'`);
    expect(script).toContain('https://raw.githubusercontent.com/argoproj/argo-cd/${ARGOCD_VERSION}/manifests/install.yaml');
    expect(script).toContain('https://github.com/argoproj/argo-rollouts/releases/download/${ARGO_ROLLOUTS_VERSION}/install.yaml');
    expect(script).toContain('rollout status deployment/argocd-server');
    expect(script).toContain('rollout status deployment/argo-rollouts');
    expect(script).toContain('kubectl wait --for=condition=Established');
    expect(script).not.toMatch(/\/stable\/manifests|latest\/download/);
  });

  test('registers the repository and applies manifests/argocd/<cluster>/ at the target revision', () => {
    const script = file(CLOUD_INIT_PATHS.bootstrap).content;
    expect(script).toContain("readonly REPO_URL='https://github.com/example-org/shop-platform.git'");
    expect(script).toContain("readonly TARGET_REVISION='main'");
    expect(script).toContain("readonly CLUSTER='nonprod'");
    expect(script).toContain('argocd.argoproj.io/secret-type: repository');
    expect(script).toContain('git clone --quiet --depth 1 --branch "${TARGET_REVISION}" "${REPO_URL}" "${CHECKOUT}"');
    expect(script).toContain('kubectl apply -f "${CHECKOUT}/manifests/argocd/${CLUSTER}/"');
  });

  test('refreshes ECR credentials with the instance role well before the 12-hour expiry', () => {
    const login = file(CLOUD_INIT_PATHS.ecrLogin).content;
    expect(login).toContain("readonly REGISTRY='123456789012.dkr.ecr.eu-west-1.amazonaws.com'");
    expect(login).toContain('/snap/bin/aws ecr get-login-password --region "${REGION}"');
    expect(login).toContain('/var/snap/microk8s/current/args/certs.d/${REGISTRY}');
    const timer = file(CLOUD_INIT_PATHS.ecrLoginTimer).content;
    expect(timer).toMatch(/^OnUnitActiveSec=6h$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(file(CLOUD_INIT_PATHS.ecrLoginService).content).toContain(`ExecStart=${CLOUD_INIT_PATHS.ecrLogin}`);
    expect(file(CLOUD_INIT_PATHS.bootstrap).content).toContain('systemctl enable --now ferry-ecr-login.timer');
  });

  test('contains no secrets', () => {
    expect(findSecrets(document)).toEqual([]);
  });

  test('is deterministic', () => {
    expect(microk8sCloudInit({ ...props })).toBe(document);
  });

  test('a different cluster applies its own folder', () => {
    const prod = microk8sCloudInit({ ...props, cluster: 'prod' });
    expect(prod).toContain("readonly CLUSTER='prod'");
    expect(cloudInitSchema(prod).status).toBe(0);
  });
});

describe('microk8sCloudInit input validation', () => {
  test.each([
    [{ microk8sChannel: 'latest/stable' }, "cloud-init of cluster 'nonprod': 'microk8sChannel' \"latest/stable\" must pin a version, like '1.32/stable'"],
    [{ argocdVersion: 'stable' }, "cloud-init of cluster 'nonprod': 'argocdVersion' \"stable\" must be a release tag like 'v1.2.3'"],
    [{ argoRolloutsVersion: '1.8' }, "cloud-init of cluster 'nonprod': 'argoRolloutsVersion' \"1.8\" must be a release tag like 'v1.2.3'"],
    [
      { repoURL: 'https://x-access-token:abc@github.com/o/r.git' },
      "cloud-init of cluster 'nonprod': 'repoURL' \"https://x-access-token:abc@github.com/o/r.git\" embeds credentials; user data must hold no secrets: give the plain URL and add credentials in Argo CD",
    ],
    [{ targetRevision: '--upload-pack=x' }, "cloud-init of cluster 'nonprod': 'targetRevision' \"--upload-pack=x\" must be a branch or tag name"],
    [{ region: 'mars' }, "cloud-init of cluster 'nonprod': 'region' \"mars\" is not an AWS region like 'eu-west-1'"],
    [{ argocdNodePort: 8080 }, "cloud-init of cluster 'nonprod': 'argocdNodePort' 8080 must be a NodePort from 30000 to 32767"],
  ])('rejects %j', (override, message) => {
    expect(() => microk8sCloudInit({ ...props, ...override })).toThrow(message);
  });

  test('quotes values for the shell', () => {
    expect(bootstrapScript({ ...props, targetRevision: 'release/1.0' })).toContain("readonly TARGET_REVISION='release/1.0'");
    expect(ecrLoginScript(props)).toContain("readonly REGION='eu-west-1'");
  });
});

describe('findSecrets', () => {
  test.each([
    ['AKIAABCDEFGHIJKLMNOP', 'AWS access key id'],
    ['aws_secret_access_key = abc', 'AWS secret access key'],
    ['-----BEGIN RSA PRIVATE KEY-----', 'private key'],
    [`ghp_${'a'.repeat(36)}`, 'GitHub token'],
    ['git clone https://user:pass@github.com/o/r', 'credentials in a URL'],
    ['PASSWORD=hunter22hunter', 'password assignment'],
  ])('finds %s', (text, name) => {
    expect(findSecrets(text)).toContain(name);
  });
});

describe('preview GitHub token', () => {
  const withToken = microk8sCloudInit({ ...props, githubToken: { parameter: '/ferry/shop/github-token', secretName: 'github-token' } });
  const script = bootstrapScript({ ...props, githubToken: { parameter: '/ferry/shop/github-token', secretName: 'github-token' } });

  test('the host copies the SSM SecureString parameter into the Secret in the argocd namespace before applying the ApplicationSets', () => {
    expect(script).toContain("readonly GITHUB_TOKEN_PARAMETER='/ferry/shop/github-token'");
    expect(script).toContain("readonly GITHUB_TOKEN_SECRET_NAME='github-token'");
    expect(script).toMatch(/aws ssm get-parameter --region "\$\{REGION\}" --with-decryption --name "\$\{GITHUB_TOKEN_PARAMETER\}"/);
    expect(script).toContain('create secret generic "${GITHUB_TOKEN_SECRET_NAME}" --from-file="token=${value_file}"');
    expect(script.indexOf('GITHUB_TOKEN_SECRET_NAME}" --from-file')).toBeLessThan(script.indexOf('kubectl apply -f "${CHECKOUT}/manifests/argocd/${CLUSTER}/"'));
  });

  test('the value never appears in user data, and the script still passes shellcheck', () => {
    expect(findSecrets(withToken)).toEqual([]);
    const result = shellcheck(script);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('without previews on the cluster nothing is read', () => {
    expect(bootstrapScript(props)).toContain("readonly GITHUB_TOKEN_PARAMETER=''");
  });
});
