import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

type Obj = Record<string, any>;

/**
 * For each built overlay (`<env>/<service>` of the shop-shaped platform at `root`, prod on the prod
 * cluster, the others on nonprod), the `group/kind`s of its objects that its cluster's AppProject
 * does not admit: Argo CD would refuse to sync them. Empty lists mean every kind is admitted.
 */
export function kindsRefusedByAppProject(root: string, built: ReadonlyMap<string, readonly Obj[]>): { overlay: string; refused: string[] }[] {
  return [...built].map(([overlay, objects]) => {
    const cluster = overlay.startsWith('prod/') ? 'prod' : 'nonprod';
    const project = YAML.parse(readFileSync(join(root, `manifests/argocd/${cluster}/app-project-shop.yaml`), 'utf8'));
    const allowed = project.spec.namespaceResourceWhitelist.map((k: Obj) => `${k.group}/${k.kind}`);
    const groupKind = (o: Obj) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`;
    return { overlay, refused: objects.map(groupKind).filter((kind) => !allowed.includes(kind)) };
  });
}
