/**
 * A synthetic platform fixture with many services (svc-01, svc-02, ...), generated into a temp
 * folder from the shop fixture's Pulumi.yaml: for tests where many promotions of different
 * services race (one promote-dev run per service, as the workflow's concurrency groups allow).
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './platform-repo.js';

/** `svc-01` ... */
export function serviceName(index: number): string {
  return `svc-${String(index + 1).padStart(2, '0')}`;
}

/** The initial tag of every service in every environment. */
export const INITIAL_TAG = 'sha-00000000';

/** Writes the fixture (platform/platform.ts, Pulumi.yaml, Pulumi.<env>.yaml) and returns its folder. */
export function manyServicesFixture(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-fixture-'));
  mkdirSync(join(dir, 'platform'));
  copyFileSync(join(REPO_ROOT, 'test/fixtures/shop/Pulumi.yaml'), join(dir, 'Pulumi.yaml'));
  const names = Array.from({ length: count }, (_, i) => serviceName(i));
  const services = names.map((name, i) => `    { name: '${name}', port: ${8000 + i}, healthPath: '/healthz', readinessPath: '/readyz' },`).join('\n');
  writeFileSync(
    join(dir, 'platform/platform.ts'),
    `/** A synthetic platform of ${count} services (test/helpers/many-services.ts). */
import { Environment, Platform, Profiles } from 'ferry';

export const platform = new Platform({
  name: 'many',
  repoURL: 'https://github.com/example-org/many-platform.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
${services}
  ],
  environments: [
    Environment.of('dev', Profiles.development()),
    Environment.of('stage', Profiles.staging()),
    Environment.of('prod', Profiles.production({ approvers: ['@example-org/release-managers'] })),
  ],
});
`,
  );
  for (const env of ['dev', 'stage', 'prod']) {
    const images = names.map((name) => `    ${name}: ${INITIAL_TAG}`).join('\n');
    writeFileSync(join(dir, `Pulumi.${env}.yaml`), `# ${env}\nconfig:\n  aws:region: eu-west-1\n  ferry:images:\n${images}\n`);
  }
  return dir;
}
