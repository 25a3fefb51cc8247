import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { edit, section } from './fixtures.js';

/** The shop platform with one Helm-chart service, `catalog`. */
const HELM_FIXTURE = fileURLToPath(new URL('../fixtures/helm', import.meta.url));

let repo: PlatformRepo;
afterEach(() => repo?.cleanup());

test("ferry diff shows a chart service's chart version and values changes with its environment", async () => {
  repo = await createPlatformRepo({ fixture: HELM_FIXTURE, engineCopy: true, edit: (root) => writeFileSync(join(root, '.gitignore'), 'node_modules\n') });
  repo.git(['checkout', '-q', '-b', 'feature']);
  edit(repo, 'Pulumi.stage.yaml', 'version: 1.3.0', 'version: 1.4.0');
  edit(repo, 'Pulumi.stage.yaml', 'replicaCount: 2', 'replicaCount: 3');
  edit(repo, 'Pulumi.stage.yaml', 'catalog: sha-1a2b3c4d', 'catalog: sha-5d6e7f80');
  expect((await repo.ferry(['render', '--quiet'])).code).toBe(0);
  repo.commitAll('stage: catalog chart 1.4.0, 3 replicas, sha-5d6e7f80');

  const result = await repo.ferry(['diff']);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(section(result.stdout, 'Summary')).toEqual([
    'dev: no changes',
    'stage: catalog: sha-1a2b3c4d → sha-5d6e7f80, catalog/chart: 1.3.0 → 1.4.0; 0 added, 2 changed, 0 removed',
    'prod: no changes',
    'preview: no changes',
    'argocd: no changes',
  ]);
  const stage = result.stdout.slice(result.stdout.indexOf('== stage =='));
  expect(stage.split('\n').slice(0, 14)).toEqual([
    '== stage ==',
    '  catalog-stage',
    '    ~ Application/argocd/catalog-stage',
    '        spec.sources[0].targetRevision:',
    '      -   1.3.0',
    '      +   1.4.0',
    '    ~ HelmValues/catalog',
    '        values.image.tag:',
    '      -   sha-1a2b3c4d',
    '      +   sha-5d6e7f80',
    '        values.replicaCount:',
    '      -   2',
    '      +   3',
    '',
  ]);
  // The Application is shown once, with its environment: the argocd group has no change.
  expect(result.stdout).not.toContain('== argocd ==');
});
