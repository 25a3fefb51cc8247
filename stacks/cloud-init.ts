/**
 * The cloud-init document of a MicroK8s host, generated from typed input. It holds no secrets:
 * the host reads ECR tokens from its instance role at run time, and the git repository is public
 * or gets its credentials in Argo CD after boot.
 */
import YAML from 'yaml';
import { isDnsLabel } from '../model/platform.js';
import { MICROK8S_CHANNEL, RELEASE_VERSION } from '../model/infra-keys.js';

/** MicroK8s snap channel: a pinned minor version, never `latest`. */
export const DEFAULT_MICROK8S_CHANNEL = '1.32/stable';
/** Argo CD release whose `manifests/install.yaml` is applied. */
export const DEFAULT_ARGOCD_VERSION = 'v3.1.9';
/** Argo Rollouts release whose `install.yaml` is applied. */
export const DEFAULT_ARGO_ROLLOUTS_VERSION = 'v1.8.3';
/** NodePort of argocd-server's HTTPS port; the security group never opens it, SSM forwards to it. */
export const DEFAULT_ARGOCD_NODE_PORT = 30443;
/** MicroK8s addons every host enables, in order. */
export const MICROK8S_ADDONS = ['dns', 'ingress', 'hostpath-storage', 'rbac'] as const;
/** How often containerd's ECR credentials are renewed; ECR tokens expire after 12 hours. */
export const ECR_REFRESH_INTERVAL_HOURS = 6;

/** Paths of the files the document writes. */
export const CLOUD_INIT_PATHS = {
  bootstrap: '/usr/local/sbin/ferry-bootstrap',
  ecrLogin: '/usr/local/sbin/ferry-ecr-login',
  ecrLoginService: '/etc/systemd/system/ferry-ecr-login.service',
  ecrLoginTimer: '/etc/systemd/system/ferry-ecr-login.timer',
} as const;

export interface MicroK8sCloudInitProps {
  /** Cluster the host runs; its Argo CD applies `manifests/argocd/<cluster>/`. */
  readonly cluster: string;
  /** Git repository holding the rendered manifests (no credentials in it). */
  readonly repoURL: string;
  /** Branch or tag the host checks out to apply the Argo CD objects. */
  readonly targetRevision: string;
  /** ECR registry host the images come from, e.g. '123456789012.dkr.ecr.eu-west-1.amazonaws.com'. */
  readonly registry: string;
  /** AWS region of the registry. */
  readonly region: string;
  /**
   * MicroK8s snap channel.
   * @default DEFAULT_MICROK8S_CHANNEL
   */
  readonly microk8sChannel?: string;
  /**
   * Argo CD release tag.
   * @default DEFAULT_ARGOCD_VERSION
   */
  readonly argocdVersion?: string;
  /**
   * Argo Rollouts release tag.
   * @default DEFAULT_ARGO_ROLLOUTS_VERSION
   */
  readonly argoRolloutsVersion?: string;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * NodePort of the Argo CD server, reached through SSM port forwarding.
   * @default DEFAULT_ARGOCD_NODE_PORT
   */
  readonly argocdNodePort?: number;
  /**
   * Pull-request previews: the SSM SecureString parameter holding the GitHub token the preview
   * ApplicationSets' pull-request generators use, and the Secret (key 'token', in Argo CD's
   * namespace) the host writes it to at boot. The value never appears in user data or git.
   * @default - no previews on this cluster
   */
  readonly githubToken?: { readonly parameter: string; readonly secretName: string };
}

/** The SSM parameter of a platform's preview GitHub token: `/ferry/<platform>/github-token`. */
export function githubTokenParameterName(platform: string): string {
  return `/ferry/${platform}/github-token`;
}

/** Patterns of credentials that must never appear in user data (also used by the policy pack). */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'AWS secret access key', pattern: /aws_secret_access_key\s*[:=]/i },
  { name: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/ },
  { name: 'credentials in a URL', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:[^/\s@'"]+@/i },
  { name: 'password assignment', pattern: /\b(password|passwd|secret|token)\s*[:=]\s*['"]?[A-Za-z0-9+/_-]{8,}/i },
];

/** The names of the secret patterns found in `text`. */
export function findSecrets(text: string): string[] {
  return SECRET_PATTERNS.filter((p) => p.pattern.test(text)).map((p) => p.name);
}

/** Single-quotes a value for bash. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

interface ResolvedProps {
  readonly cluster: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly registry: string;
  readonly region: string;
  readonly microk8sChannel: string;
  readonly argocdVersion: string;
  readonly argoRolloutsVersion: string;
  readonly argocdNamespace: string;
  readonly argocdNodePort: number;
  readonly githubToken: { readonly parameter: string; readonly secretName: string } | undefined;
}

function resolve(props: MicroK8sCloudInitProps): ResolvedProps {
  const resolved: ResolvedProps = {
    cluster: props.cluster,
    repoURL: props.repoURL,
    targetRevision: props.targetRevision,
    registry: props.registry,
    region: props.region,
    microk8sChannel: props.microk8sChannel ?? DEFAULT_MICROK8S_CHANNEL,
    argocdVersion: props.argocdVersion ?? DEFAULT_ARGOCD_VERSION,
    argoRolloutsVersion: props.argoRolloutsVersion ?? DEFAULT_ARGO_ROLLOUTS_VERSION,
    argocdNamespace: props.argocdNamespace ?? 'argocd',
    argocdNodePort: props.argocdNodePort ?? DEFAULT_ARGOCD_NODE_PORT,
    githubToken: props.githubToken,
  };
  const where = `cloud-init of cluster '${props.cluster}'`;
  if (!isDnsLabel(resolved.cluster, 30)) throw new Error(`${where}: 'cluster' ${JSON.stringify(resolved.cluster)} must be a DNS label`);
  if (!/^(https:\/\/|git@|ssh:\/\/)[^\s'"]+$/.test(resolved.repoURL)) {
    throw new Error(`${where}: 'repoURL' ${JSON.stringify(resolved.repoURL)} must be an https:// or ssh git URL`);
  }
  if (/^https:\/\/[^/]*@/.test(resolved.repoURL)) {
    throw new Error(`${where}: 'repoURL' ${JSON.stringify(resolved.repoURL)} embeds credentials; user data must hold no secrets: give the plain URL and add credentials in Argo CD`);
  }
  if (!/^[A-Za-z0-9._/-]+$/.test(resolved.targetRevision) || resolved.targetRevision.startsWith('-')) {
    throw new Error(`${where}: 'targetRevision' ${JSON.stringify(resolved.targetRevision)} must be a branch or tag name`);
  }
  if (!/^[a-z0-9.-]+$/.test(resolved.registry)) throw new Error(`${where}: 'registry' ${JSON.stringify(resolved.registry)} must be a registry host`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(resolved.region)) throw new Error(`${where}: 'region' ${JSON.stringify(resolved.region)} is not an AWS region like 'eu-west-1'`);
  if (!MICROK8S_CHANNEL.test(resolved.microk8sChannel)) {
    throw new Error(`${where}: 'microk8sChannel' ${JSON.stringify(resolved.microk8sChannel)} must pin a version, like '${DEFAULT_MICROK8S_CHANNEL}'`);
  }
  for (const key of ['argocdVersion', 'argoRolloutsVersion'] as const) {
    if (!RELEASE_VERSION.test(resolved[key])) throw new Error(`${where}: '${key}' ${JSON.stringify(resolved[key])} must be a release tag like 'v1.2.3'`);
  }
  if (!isDnsLabel(resolved.argocdNamespace)) throw new Error(`${where}: 'argocdNamespace' ${JSON.stringify(resolved.argocdNamespace)} must be a DNS label`);
  if (!Number.isInteger(resolved.argocdNodePort) || resolved.argocdNodePort < 30000 || resolved.argocdNodePort > 32767) {
    throw new Error(`${where}: 'argocdNodePort' ${resolved.argocdNodePort} must be a NodePort from 30000 to 32767`);
  }
  if (resolved.githubToken) {
    if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(resolved.githubToken.parameter)) throw new Error(`${where}: 'githubToken.parameter' ${JSON.stringify(resolved.githubToken.parameter)} must be an SSM parameter path like '/ferry/shop/github-token'`);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(resolved.githubToken.secretName)) throw new Error(`${where}: 'githubToken.secretName' ${JSON.stringify(resolved.githubToken.secretName)} must be a Secret name`);
  }
  return resolved;
}

/** The script that installs MicroK8s, Argo CD and Argo Rollouts and applies the cluster's Argo CD objects. */
export function bootstrapScript(props: MicroK8sCloudInitProps): string {
  const p = resolve(props);
  return `#!/bin/bash
# Generated by ferry: bootstraps the MicroK8s host of cluster '${p.cluster}'. Safe to run again.
set -euo pipefail

readonly CLUSTER=${shellQuote(p.cluster)}
readonly MICROK8S_CHANNEL=${shellQuote(p.microk8sChannel)}
readonly ARGOCD_VERSION=${shellQuote(p.argocdVersion)}
readonly ARGO_ROLLOUTS_VERSION=${shellQuote(p.argoRolloutsVersion)}
readonly ARGOCD_NAMESPACE=${shellQuote(p.argocdNamespace)}
readonly ARGOCD_NODE_PORT=${p.argocdNodePort}
readonly REGION=${shellQuote(p.region)}
readonly GITHUB_TOKEN_PARAMETER=${shellQuote(p.githubToken?.parameter ?? '')}
readonly GITHUB_TOKEN_SECRET_NAME=${shellQuote(p.githubToken?.secretName ?? '')}
readonly REPO_URL=${shellQuote(p.repoURL)}
readonly TARGET_REVISION=${shellQuote(p.targetRevision)}
readonly CHECKOUT=/opt/ferry/platform
readonly LOG=/var/log/ferry-bootstrap.log

exec > >(tee -a "\${LOG}") 2>&1

log() {
  printf '%s [ferry-bootstrap] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

# Downloads from the snap store and GitHub fail now and then on a fresh network; try again.
retry() {
  local attempts=$1
  shift
  local n=1
  until "$@"; do
    if (( n >= attempts )); then
      log "giving up after \${n} attempts: $*"
      return 1
    fi
    log "attempt \${n} failed, retrying in 15s: $*"
    sleep 15
    n=$((n + 1))
  done
}

kubectl() {
  microk8s kubectl "$@"
}

log "installing MicroK8s from snap channel \${MICROK8S_CHANNEL}"
if ! snap list microk8s >/dev/null 2>&1; then
  retry 10 snap install microk8s --classic --channel="\${MICROK8S_CHANNEL}"
fi
retry 10 snap install aws-cli --classic --channel=v2/stable
microk8s status --wait-ready --timeout 600 >/dev/null

for addon in ${MICROK8S_ADDONS.join(' ')}; do
  log "enabling MicroK8s addon \${addon}"
  retry 5 microk8s enable "\${addon}"
done
microk8s status --wait-ready --timeout 600 >/dev/null
log "MicroK8s is ready"

log "letting containerd pull from ECR with the instance role"
systemctl daemon-reload
systemctl enable --now ferry-ecr-login.timer
retry 5 systemctl start ferry-ecr-login.service

log "installing Argo CD \${ARGOCD_VERSION}"
kubectl create namespace "\${ARGOCD_NAMESPACE}" --dry-run=client -o yaml | kubectl apply -f -
retry 5 kubectl apply -n "\${ARGOCD_NAMESPACE}" --server-side --force-conflicts \\
  -f "https://raw.githubusercontent.com/argoproj/argo-cd/\${ARGOCD_VERSION}/manifests/install.yaml"

log "installing Argo Rollouts \${ARGO_ROLLOUTS_VERSION}"
kubectl create namespace argo-rollouts --dry-run=client -o yaml | kubectl apply -f -
retry 5 kubectl apply -n argo-rollouts --server-side --force-conflicts \\
  -f "https://github.com/argoproj/argo-rollouts/releases/download/\${ARGO_ROLLOUTS_VERSION}/install.yaml"

log "waiting for the Argo CD and Argo Rollouts controllers"
kubectl wait --for=condition=Established --timeout=300s \\
  crd/applications.argoproj.io crd/appprojects.argoproj.io crd/rollouts.argoproj.io
kubectl -n "\${ARGOCD_NAMESPACE}" rollout status deployment/argocd-server --timeout=600s
kubectl -n "\${ARGOCD_NAMESPACE}" rollout status deployment/argocd-repo-server --timeout=600s
kubectl -n "\${ARGOCD_NAMESPACE}" rollout status statefulset/argocd-application-controller --timeout=600s
kubectl -n argo-rollouts rollout status deployment/argo-rollouts --timeout=600s

# Argo CD stays off the internet: a NodePort the security group never opens, reached through SSM.
kubectl -n "\${ARGOCD_NAMESPACE}" patch service argocd-server \\
  -p "{\\"spec\\":{\\"type\\":\\"NodePort\\",\\"ports\\":[{\\"port\\":443,\\"nodePort\\":\${ARGOCD_NODE_PORT}}]}}"

log "registering \${REPO_URL} with Argo CD"
kubectl apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: ferry-platform-repository
  namespace: \${ARGOCD_NAMESPACE}
  labels:
    argocd.argoproj.io/secret-type: repository
stringData:
  type: git
  url: \${REPO_URL}
EOF

# The preview ApplicationSets read a GitHub token from a Secret; its value lives in an SSM
# SecureString parameter (never in user data or git) and is copied here at every boot.
if [[ -n "\${GITHUB_TOKEN_PARAMETER}" ]]; then
  log "writing Secret \${GITHUB_TOKEN_SECRET_NAME} from SSM parameter \${GITHUB_TOKEN_PARAMETER}"
  if value="$(/snap/bin/aws ssm get-parameter --region "\${REGION}" --with-decryption --name "\${GITHUB_TOKEN_PARAMETER}" --query Parameter.Value --output text)"; then
    value_file="$(mktemp)"
    printf '%s' "\${value}" >"\${value_file}"
    unset value
    kubectl -n "\${ARGOCD_NAMESPACE}" create secret generic "\${GITHUB_TOKEN_SECRET_NAME}" --from-file="token=\${value_file}" --dry-run=client -o yaml \
      | kubectl label --local -f - app.kubernetes.io/part-of=argocd -o yaml \
      | kubectl apply -f -
    rm -f "\${value_file}"
  else
    log "WARNING: SSM parameter \${GITHUB_TOKEN_PARAMETER} not readable; previews stay empty until it is set (aws ssm put-parameter --type SecureString) and $0 runs again"
  fi
fi

log "applying manifests/argocd/\${CLUSTER}/ at \${TARGET_REVISION}"
rm -rf "\${CHECKOUT}"
mkdir -p "$(dirname "\${CHECKOUT}")"
retry 5 git clone --quiet --depth 1 --branch "\${TARGET_REVISION}" "\${REPO_URL}" "\${CHECKOUT}"
if [[ ! -d "\${CHECKOUT}/manifests/argocd/\${CLUSTER}" ]]; then
  log "ERROR: \${REPO_URL} has no manifests/argocd/\${CLUSTER}/ at \${TARGET_REVISION}; run 'ferry render', push, then run $0 again"
  exit 1
fi
kubectl apply -f "\${CHECKOUT}/manifests/argocd/\${CLUSTER}/"
kubectl -n "\${ARGOCD_NAMESPACE}" get applications.argoproj.io
log "done: cluster \${CLUSTER} runs Argo CD \${ARGOCD_VERSION} and Argo Rollouts \${ARGO_ROLLOUTS_VERSION}"
`;
}

/** The script the timer runs: writes containerd's registry host config with a fresh ECR token. */
export function ecrLoginScript(props: Pick<MicroK8sCloudInitProps, 'registry' | 'region' | 'cluster'>): string {
  const p = resolve({ ...props, repoURL: 'https://example.invalid/unused.git', targetRevision: 'main' });
  return `#!/bin/bash
# Generated by ferry: gives containerd a fresh ECR token from the instance role.
# ECR tokens expire after 12 hours; ferry-ecr-login.timer runs this every ${ECR_REFRESH_INTERVAL_HOURS} hours.
# containerd reads hosts.toml on every pull, so no restart is needed.
set -euo pipefail

readonly REGISTRY=${shellQuote(p.registry)}
readonly REGION=${shellQuote(p.region)}
readonly HOSTS_DIR="/var/snap/microk8s/current/args/certs.d/\${REGISTRY}"

password="$(/snap/bin/aws ecr get-login-password --region "\${REGION}")"
auth="$(printf 'AWS:%s' "\${password}" | base64 -w0)"

umask 077
mkdir -p "\${HOSTS_DIR}"
tmp="$(mktemp "\${HOSTS_DIR}/hosts.toml.XXXXXX")"
cat >"\${tmp}" <<EOF
server = "https://\${REGISTRY}"

[host."https://\${REGISTRY}"]
  capabilities = ["pull", "resolve"]
  [host."https://\${REGISTRY}".header]
    Authorization = "Basic \${auth}"
EOF
mv -f "\${tmp}" "\${HOSTS_DIR}/hosts.toml"
echo "ferry-ecr-login: refreshed pull credentials for \${REGISTRY}"
`;
}

const ECR_LOGIN_SERVICE = `[Unit]
Description=Refresh containerd's ECR pull credentials from the instance role
Wants=network-online.target
After=network-online.target snap.microk8s.daemon-containerd.service

[Service]
Type=oneshot
ExecStart=${CLOUD_INIT_PATHS.ecrLogin}
`;

const ECR_LOGIN_TIMER = `[Unit]
Description=Refresh containerd's ECR pull credentials every ${ECR_REFRESH_INTERVAL_HOURS} hours (tokens last 12)

[Timer]
OnBootSec=2min
OnUnitActiveSec=${ECR_REFRESH_INTERVAL_HOURS}h
RandomizedDelaySec=5min
Persistent=true

[Install]
WantedBy=timers.target
`;

/** The `#cloud-config` document of the host of `props.cluster`. */
export function microk8sCloudInit(props: MicroK8sCloudInitProps): string {
  const p = resolve(props);
  const doc = {
    package_update: true,
    packages: ['git', 'ca-certificates'],
    write_files: [
      { path: CLOUD_INIT_PATHS.ecrLogin, owner: 'root:root', permissions: '0750', content: ecrLoginScript(p) },
      { path: CLOUD_INIT_PATHS.ecrLoginService, owner: 'root:root', permissions: '0644', content: ECR_LOGIN_SERVICE },
      { path: CLOUD_INIT_PATHS.ecrLoginTimer, owner: 'root:root', permissions: '0644', content: ECR_LOGIN_TIMER },
      { path: CLOUD_INIT_PATHS.bootstrap, owner: 'root:root', permissions: '0750', content: bootstrapScript(p) },
    ],
    runcmd: [[CLOUD_INIT_PATHS.bootstrap]],
    final_message: `ferry: cluster ${p.cluster} bootstrap finished after $UPTIME seconds; see /var/log/ferry-bootstrap.log`,
  };
  const header = [
    '#cloud-config',
    `# Generated by ferry for cluster '${p.cluster}' (MicroK8s ${p.microk8sChannel}, Argo CD ${p.argocdVersion}, Argo Rollouts ${p.argoRolloutsVersion}).`,
    '# No secrets: ECR tokens come from the instance role at run time. Progress: /var/log/ferry-bootstrap.log',
  ].join('\n');
  const text = `${header}\n${YAML.stringify(doc, { lineWidth: 0 })}`;
  const secrets = findSecrets(text);
  if (secrets.length > 0) throw new Error(`cloud-init of cluster '${p.cluster}': would contain a ${secrets.join(', ')}; user data must hold no secrets`);
  return text;
}
