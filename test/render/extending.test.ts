import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

// A platform engineer adds `uat` between stage and prod: one stack file plus one line in the graph.
test('adding uat between stage and prod takes one stack file and one line, and the render stays valid', async () => {
  const repo = await createPlatformRepo({
    git: false,
    edit: (root) => {
      const file = join(root, 'platform/platform.ts');
      const code = readFileSync(file, 'utf8');
      const stageLine = "    Environment.of('stage', Profiles.staging()),\n";
      expect(code).toContain(stageLine);
      writeFileSync(file, code.replace(stageLine, `${stageLine}    Environment.of('uat', Profiles.staging({ replicas: 2, soakHours: 4 })),\n`));
      writeFileSync(join(root, 'Pulumi.uat.yaml'), 'config:\n  ferry:images:\n    api: sha-3f9c2a1b\n    web: 1.4.0-SNAPSHOT-8e1d4c7\n');
    },
  });
  try {
    const result = await repo.ferry(['render']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('uat          api      sha-3f9c2a1b            2         rolling-update                 automated (prune, self-heal)');
    // Promotion order in the summary: dev, stage, uat, prod.
    const envColumn = result.stdout.split('\n').slice(2, 10).map((l) => l.split(/\s+/)[0]);
    expect(envColumn).toEqual(['dev', 'dev', 'stage', 'stage', 'uat', 'uat', 'prod', 'prod']);

    for (const svc of ['api', 'web']) {
      const objects = await kustomizeBuild(join(repo.root, `manifests/overlays/uat/${svc}`));
      expect(await validateObjects(objects)).toEqual([]);
      expect(objects.every((o) => o.metadata.namespace === 'uat')).toBe(true);
    }

    const appSet = YAML.parse(repo.read('manifests/argocd/nonprod/application-set-shop-environments.yaml'));
    expect(appSet.spec.generators[0].matrix.generators[0].list.elements).toEqual([
      { env: 'dev', namespace: 'dev', automated: 'true', prune: 'true', selfHeal: 'true' },
      { env: 'stage', namespace: 'stage', automated: 'true', prune: 'true', selfHeal: 'true' },
      { env: 'uat', namespace: 'uat', automated: 'true', prune: 'true', selfHeal: 'true' },
    ]);
    const project = YAML.parse(repo.read('manifests/argocd/nonprod/app-project-shop.yaml'));
    expect(project.spec.destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['dev', 'stage', 'uat', 'preview-*']);
  } finally {
    repo.cleanup();
  }
});
