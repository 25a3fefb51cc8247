/**
 * Replica ownership in a real platform repository, built with the real `kubectl kustomize`: an
 * add-on that declares `ownsReplicas` takes the replicas out of the overlays its placement reaches,
 * whatever its autoscaler is called; one that does not leaves them in git, even with an autoscaler
 * named after the service; and the promote fast path re-renders exactly what `ferry render` writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { renderedChanges } from '../../lib/promote/rendered-changes.js';
import { readStackConfigs } from '../../lib/render/render.js';
import { verifyRenderedTree } from '../../lib/render/verify-tree.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

type Obj = Record<string, any>;

/** An autoscaler of one's own, in the platform file: it names its HorizontalPodAutoscaler as it likes. */
const NAMED_SCALER = `
class NamedScaler implements ServiceAddon {
  public readonly id: string;
  public readonly placement: AddonPlacement;
  public readonly ownsReplicas: boolean | undefined;
  private readonly hpaName: (service: string) => string;

  public constructor(props: { id: string; placement: AddonPlacement; ownsReplicas?: boolean; hpaName: (service: string) => string }) {
    this.id = props.id;
    this.placement = props.placement;
    this.ownsReplicas = props.ownsReplicas;
    this.hpaName = props.hpaName;
  }

  public manifests(context: AddonContext): AddonManifest[] {
    return [{
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: this.hpaName(context.serviceName), labels: { ...context.labels } },
      spec: {
        scaleTargetRef: { ...context.workload },
        minReplicas: context.replicas,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    }];
  }
}
`;

/**
 * api: a declared owner in prod only, whose autoscaler is `api-scaler`; web: an undeclared one in
 * every environment, whose autoscaler is `web` (the name the engine once took for ownership).
 */
function withScalers(root: string): void {
  const path = join(root, 'platform/platform.ts');
  let text = readFileSync(path, 'utf8');
  const edits: [string, string][] = [
    ["import { Environment, Platform, Profiles } from 'ferry';\n", `import { AddonPlacement, Environment, Platform, Profiles, type AddonContext, type AddonManifest, type ServiceAddon } from 'ferry';\n${NAMED_SCALER}`],
    ["    { name: 'api', port: 8080,", "    { addons: [new NamedScaler({ id: 'keda', placement: AddonPlacement.environments('prod'), ownsReplicas: true, hpaName: (s) => `${s}-scaler` })], name: 'api', port: 8080,"],
    ["    { name: 'web', port: 3000,", "    { addons: [new NamedScaler({ id: 'hpa', placement: AddonPlacement.everyEnvironment(), hpaName: (s) => s })], name: 'web', port: 3000,"],
  ];
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`fixture text not found: ${from}`);
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
}

const one = (objects: Obj[], kind: string, name: string): Obj => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0]!;
};

let repo: PlatformRepo;
beforeAll(async () => {
  repo = await createPlatformRepo({ git: false, edit: withScalers });
});
afterAll(() => repo.cleanup());

const overlay = (env: string, service: string) => join(repo.root, `manifests/overlays/${env}/${service}`);
const kustomization = (env: string, service: string): Obj => YAML.parse(repo.read(`manifests/overlays/${env}/${service}/kustomization.yaml`));

test('a declared owner with an autoscaler of another name: the built prod overlay has no replicas on the Rollout, the autoscaler starts from the environment replicas', async () => {
  expect(kustomization('prod', 'api').resources).toContain('horizontal-pod-autoscaler-api-scaler.yaml');
  expect(kustomization('prod', 'api').replicas).toBeUndefined();
  const objects = await kustomizeBuild(overlay('prod', 'api'));
  const hpa = one(objects, 'HorizontalPodAutoscaler', 'api-scaler');
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
  expect(hpa.spec.minReplicas).toBe(3);
  expect(one(objects, 'Rollout', 'api').spec.replicas).toBeUndefined();
  // The Deployment is only the Rollout's template, at zero.
  expect(one(objects, 'Deployment', 'api').spec.replicas).toBe(0);
});

test('placed in prod only, it leaves the replicas of dev and stage in git', async () => {
  for (const [env, replicas] of [['dev', 1], ['stage', 2]] as const) {
    expect(kustomization(env, 'api').replicas).toEqual([{ name: 'api', count: replicas }]);
    const objects = await kustomizeBuild(overlay(env, 'api'));
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(one(objects, 'Deployment', 'api').spec.replicas).toBe(replicas);
  }
});

test('an add-on that does not declare it keeps the replicas in git, though its autoscaler is named after the service', async () => {
  // Pulumi.stage.yaml gives web 3 replicas.
  for (const [env, replicas] of [['dev', 1], ['stage', 3]] as const) {
    expect(kustomization(env, 'web').resources).toContain('horizontal-pod-autoscaler-web.yaml');
    expect(kustomization(env, 'web').replicas).toEqual([{ name: 'web', count: replicas }]);
    const objects = await kustomizeBuild(overlay(env, 'web'));
    expect(one(objects, 'HorizontalPodAutoscaler', 'web').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect(one(objects, 'Deployment', 'web').spec.replicas).toBe(replicas);
  }
  // In blue-green prod the Rollout keeps its replicas.
  expect(one(await kustomizeBuild(overlay('prod', 'web')), 'Rollout', 'web').spec.replicas).toBe(3);
});

test('every overlay builds and validates against the real schemas and the secure defaults', async () => {
  const result = await verifyRenderedTree(repo.root);
  expect(result.problems).toEqual([]);
  expect(result.overlays).toBe(8);
});

test("promote's fast path re-renders the one overlay file of a tag change exactly as `ferry render` does, without replicas", async () => {
  const path = 'manifests/overlays/prod/api/kustomization.yaml';
  const platform = await loadPlatform(repo.root);
  const before = readStackConfigs(repo.root, platform).get('prod')!;
  const after = { ...before, images: { ...before.images, api: 'v1.4.0' } };
  const planned = await renderedChanges(repo.root, platform, platform.environment('prod'), before, after, ['api']);
  expect(planned.mode).toBe('overlay');
  expect(planned.changes.map((c) => c.path)).toEqual([path]);
  const next = YAML.parse(planned.changes[0]!.after!) as Obj;
  expect(next.images).toEqual([{ name: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api', newTag: 'v1.4.0' }]);
  expect(next.replicas).toBeUndefined();
  expect(next.patches).toContainEqual({ target: { kind: 'Rollout', name: 'api' }, patch: '- op: remove\n  path: /spec/replicas' });

  // The full render of the same stack file writes the same text.
  const stack = repo.read('Pulumi.prod.yaml');
  expect(stack).toContain('    api: v1.3.2\n');
  repo.write('Pulumi.prod.yaml', stack.replace('    api: v1.3.2\n', '    api: v1.4.0\n'));
  const rendered = repo.ferrySpawn(['render', '--quiet']);
  expect(rendered.stderr).toBe('');
  expect(rendered.code).toBe(0);
  expect(repo.read(path)).toBe(planned.changes[0]!.after);
});
