/**
 * Blue-green completeness and Ingress-less canaries, rendered from an edited shop platform and
 * built with the real `kubectl kustomize`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { kindsRefusedByAppProject } from '../helpers/app-project-kinds.js';

type Obj = Record<string, any>;
const find = (objects: Obj[], kind: string, name: string): Obj | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name);

const PLATFORM = `
import { Analysis, Environment, Platform, Profiles, RolloutStrategy, TrafficRouting } from 'ferry';

const smoke = Analysis.job({ name: 'smoke', image: 'registry.example.com/smoke:v1.2.0', command: ['/smoke', 'http://{{args.service-name}}.{{args.namespace}}{{args.path}}'], defaultArgs: { path: '/' } });

export const platform = new Platform({
  name: 'shop',
  repoURL: 'https://github.com/example-org/shop-platform.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
    { name: 'api', port: 8080, host: 'api.shop.example.com' },
    { name: 'web', port: 3000, healthPath: '/health', readinessPath: '/ready' },
  ],
  environments: [
    Environment.of('dev', Profiles.development({ strategy: RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio() }) })),
    Environment.of('stage', Profiles.staging({ strategy: RolloutStrategy.blueGreen({ previewIngress: true, autoPromotionSeconds: 600 }) })),
    Environment.of('prod', Profiles.production({
      approvers: ['@example-org/release-managers'],
      strategy: RolloutStrategy.blueGreen({
        previewIngress: true,
        antiAffinity: true,
        scaleDownDelaySeconds: 300,
        previewReplicaCount: 1,
        prePromotionAnalysis: [smoke, Analysis.web()],
        analysisArgs: { path: '/checkout' },
      }),
    })),
  ],
});
`;

describe('blue-green with preview Ingress and analyses, canary without Ingress, built with kubectl kustomize', () => {
  let repo: PlatformRepo;
  const built = new Map<string, Obj[]>();
  const overlays = ['dev/api', 'dev/web', 'stage/api', 'stage/web', 'prod/api', 'prod/web'];
  beforeAll(async () => {
    repo = await createPlatformRepo({ git: false, edit: (root) => writeFileSync(join(root, 'platform/platform.ts'), PLATFORM) });
    for (const overlay of overlays) built.set(overlay, await kustomizeBuild(join(repo.root, 'manifests/overlays', overlay)));
  });
  afterAll(() => repo.cleanup());

  test('every object validates against the real schemas, and ferry validate (secure defaults of the analysis Job pod included) passes', async () => {
    for (const overlay of overlays) expect({ overlay, violations: await validateObjects(built.get(overlay)!) }).toEqual({ overlay, violations: [] });
    expect(await repo.ferry(['validate'])).toMatchObject({ code: 0, stderr: '' });
  });

  test('a preview Ingress per environment on preview.<the host there>, routing to the preview Service of the same overlay', () => {
    for (const [overlay, host] of [['stage/api', 'preview.stage.api.shop.example.com'], ['prod/api', 'preview.api.shop.example.com']] as const) {
      const objects = built.get(overlay)!;
      const ingress = find(objects, 'Ingress', 'api-preview')!;
      expect(ingress.spec.rules).toEqual([{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api-preview', port: { number: 80 } } } }] } }]);
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(find(objects, 'Service', 'api-preview')).toBeDefined();
    }
  });

  test('a service without a host gets its preview Service but no preview Ingress', () => {
    const objects = built.get('prod/web')!;
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(find(objects, 'Service', 'web-preview')).toBeDefined();
  });

  test('prod: anti-affinity, scale-down delay, preview count; the smoke Job and the health check measure the preview with the environment argument', () => {
    const objects = built.get('prod/api')!;
    const blueGreen = find(objects, 'Rollout', 'api')!.spec.strategy.blueGreen;
    expect(blueGreen).toMatchObject({
      autoPromotionEnabled: false,
      scaleDownDelaySeconds: 300,
      previewReplicaCount: 1,
      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } },
    });
    expect(blueGreen.prePromotionAnalysis).toEqual({
      templates: [{ templateName: 'api-smoke' }, { templateName: 'api-health-check' }],
      args: [{ name: 'service-name', value: 'api-preview' }, { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'path', value: '/checkout' }],
    });
    expect(blueGreen.postPromotionAnalysis.templates).toEqual([{ templateName: 'api-health-check' }]);
    const smoke = find(objects, 'AnalysisTemplate', 'api-smoke')!;
    expect(smoke.spec.args).toEqual([{ name: 'service-name' }, { name: 'namespace' }, { name: 'path', value: '/' }]);
    expect(smoke.spec.metrics[0].provider.job.spec.template.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
  });

  test('stage promotes itself 600 s after the preview is ready', () => {
    expect(find(built.get('stage/api')!, 'Rollout', 'api')!.spec.strategy.blueGreen).toMatchObject({ autoPromotionEnabled: true, autoPromotionSeconds: 600 });
  });

  test('dev: a replica-ratio canary needs no Ingress, and its analysis still measures the canary Service of the overlay', () => {
    for (const overlay of ['dev/api', 'dev/web']) {
      const objects = built.get(overlay)!;
      const canary = objects.find((o) => o.kind === 'Rollout')!.spec.strategy.canary;
      expect(canary.trafficRouting).toBeUndefined();
      const measured = canary.steps[1].analysis.args[0];
      expect(measured).toEqual({ name: 'service-name', value: canary.canaryService });
      expect(find(objects, 'Service', canary.canaryService)).toBeDefined();
    }
  });

  test("Argo CD may sync every kind the overlays hold: each is in the AppProject's namespaced whitelist of its cluster", () => {
    expect(built.size).toBe(overlays.length);
    expect(kindsRefusedByAppProject(repo.root, built)).toEqual(overlays.map((overlay) => ({ overlay, refused: [] })));
  });
});
