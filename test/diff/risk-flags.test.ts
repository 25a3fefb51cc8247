import { diffObjects, countChanges, type ManifestObject } from '../../lib/diff/object-diff.js';
import type { ApplicationDiff, EnvironmentDiff } from '../../lib/diff/report.js';
import { riskFlags, type EnvironmentFacts } from '../../lib/diff/risk-flags.js';
import { environmentSummary, summaryLine } from '../../lib/diff/summary.js';
import { workloadFacts } from '../../lib/diff/workload-facts.js';

const deployment = (image: string, replicas: number): ManifestObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'prod' },
  spec: { replicas, template: { spec: { containers: [{ name: 'api', image }] } } },
});
const service = (selector: Record<string, string>, port: number): ManifestObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'api', namespace: 'prod' },
  spec: { selector, ports: [{ port }] },
});

function app(before: ManifestObject[], after: ManifestObject[]): ApplicationDiff {
  return { name: 'api-prod', service: 'api', changes: diffObjects(before, after), before: workloadFacts(before), after: workloadFacts(after) };
}

function env(name: string, applications: ApplicationDiff[], sync?: string): EnvironmentDiff {
  const counts = countChanges(applications.flatMap((a) => a.changes));
  return { name, kind: 'environment', status: 'present', applications, counts, summary: environmentSummary(applications, counts, sync) };
}

const facts = (name: string, sync: string, requiresReview: boolean, upstream?: string): EnvironmentFacts => ({ name, sync, requiresReview, upstream });

test('summary: image, replicas, then counts; unchanged environments say so', () => {
  const prod = env('prod', [app([deployment('r/api:v1.3.2', 3)], [deployment('r/api:v1.3.3', 4)])]);
  expect(summaryLine(prod)).toBe('prod: api: v1.3.2 → v1.3.3; replicas api: 3 → 4; 0 added, 1 changed, 0 removed');
  expect(summaryLine(env('dev', []))).toBe('dev: no changes');
  expect(summaryLine(env('prod', [], 'manual → automated (prune, self-heal)'))).toBe('prod: sync: manual → automated (prune, self-heal); 0 added, 0 changed, 0 removed');
});

test('summary: a strategy change reads from the objects (Deployment → blue-green Rollout)', () => {
  const rollout: ManifestObject = { kind: 'Rollout', metadata: { name: 'api', namespace: 'prod' }, spec: { replicas: 3, strategy: { blueGreen: { autoPromotionEnabled: false } } } };
  const prod = env('prod', [app([deployment('r/api:v1', 3)], [deployment('r/api:v1', 0), rollout])]);
  expect(summaryLine(prod)).toBe('prod: strategy api: rolling-update → blue-green (manual promotion); 1 added, 1 changed, 0 removed');
});

const hpa = (target: { kind: string; name: string }, minReplicas: number | undefined, maxReplicas: number): ManifestObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'api', namespace: 'prod' },
  spec: { scaleTargetRef: { apiVersion: target.kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1', ...target }, ...(minReplicas === undefined ? {} : { minReplicas }), maxReplicas },
});

test('summary: an autoscaled workload shows its autoscaler\'s bounds, not the replicas it leaves out', () => {
  const { replicas: _, ...unscaled } = deployment('r/api:v1', 3).spec as Record<string, unknown>;
  const autoscaled = [{ ...deployment('r/api:v1', 3), spec: unscaled }, hpa({ kind: 'Deployment', name: 'api' }, 2, 10)];
  expect(workloadFacts(autoscaled)).toEqual({ images: { api: 'r/api:v1' }, replicas: undefined, autoscaling: { minReplicas: 2, maxReplicas: 10 }, strategy: 'rolling-update' });
  expect(summaryLine(env('prod', [app([deployment('r/api:v1', 3)], autoscaled)]))).toBe('prod: replicas api: 3 → autoscaled 2-10; 1 added, 1 changed, 0 removed');
  const wider = [autoscaled[0]!, hpa({ kind: 'Deployment', name: 'api' }, 2, 20)];
  expect(summaryLine(env('prod', [app(autoscaled, wider)]))).toBe('prod: replicas api: autoscaled 2-10 → autoscaled 2-20; 0 added, 1 changed, 0 removed');
  // minReplicas defaults to 1; a Rollout is scaled through its own kind; an autoscaler of another workload is not this one's.
  const rollout: ManifestObject = { kind: 'Rollout', metadata: { name: 'api', namespace: 'prod' }, spec: { strategy: { canary: { steps: [] } } } };
  expect(workloadFacts([rollout, hpa({ kind: 'Rollout', name: 'api' }, undefined, 5)]).autoscaling).toEqual({ minReplicas: 1, maxReplicas: 5 });
  expect(workloadFacts([deployment('r/api:v1', 3), hpa({ kind: 'Deployment', name: 'worker' }, 2, 10)])).toEqual({ images: { api: 'r/api:v1' }, replicas: 3, strategy: 'rolling-update' });
});

const noHistory = () => false;

test('every flag of a risky prod change, in order', () => {
  const before = [deployment('r/api:v1.3.2', 3), service({ app: 'api' }, 80), { kind: 'NetworkPolicy', metadata: { name: 'api', namespace: 'prod' }, spec: {} }];
  const after = [deployment('r/api:v1.3.3', 3), service({ app: 'api2' }, 8080)];
  const flags = riskFlags({
    environments: [env('prod', [app(before, after)])],
    baseFacts: new Map([['prod', facts('prod', 'manual', true, 'stage')]]),
    headFacts: new Map([['prod', facts('prod', 'automated (prune, self-heal)', true, 'stage')]]),
    hasRun: noHistory,
  });
  expect(flags.map((f) => `${f.code} ${f.environment}: ${f.message}`)).toEqual([
    'review-required prod: touched, and it requires review (0 added, 2 changed, 1 removed)',
    'objects-deleted prod: 1 object deleted: NetworkPolicy/prod/api',
    'sensitive-kind prod: NetworkPolicy/prod/api removed',
    'service-routing prod: Service/prod/api: selector and ports change',
    'sync-loosened prod: sync policy loosened: manual → automated (prune, self-heal)',
    'tag-not-upstream prod: api: v1.3.3 has not run in stage (not in Pulumi.stage.yaml at the base or before)',
  ]);
});

test('a tag that ran upstream is not flagged; the history lookup gets environment, service and tag', () => {
  const calls: string[] = [];
  const flags = riskFlags({
    environments: [env('stage', [app([deployment('r/api:sha-1a2b3c4d', 1)], [deployment('r/api:sha-5e6f7a8b', 1)])])],
    baseFacts: new Map([['stage', facts('stage', 'automated (prune, self-heal)', false, 'dev')]]),
    headFacts: new Map([['stage', facts('stage', 'automated (prune, self-heal)', false, 'dev')]]),
    hasRun: (e, s, t) => (calls.push(`${e} ${s} ${t}`), true),
  });
  expect(flags).toEqual([]);
  expect(calls).toEqual(['dev api sha-5e6f7a8b']);
});

test('self-heal turned on where review is required; a pr- tag outside previews', () => {
  const flags = riskFlags({
    environments: [env('prod', [app([deployment('r/api:v1', 1)], [deployment('r/api:pr-12-1a2b3c4', 1)])])],
    baseFacts: new Map([['prod', facts('prod', 'automated (prune)', true)]]),
    headFacts: new Map([['prod', facts('prod', 'automated (prune, self-heal)', true)]]),
    hasRun: noHistory,
  });
  expect(flags.map((f) => f.message)).toEqual([
    'touched, and it requires review (0 added, 1 changed, 0 removed)',
    'self-heal turned on (automated (prune) → automated (prune, self-heal)) in an environment that requires review',
    'api: pull-request build pr-12-1a2b3c4 outside a preview',
  ]);
});

test('PVC, RBAC and AppProject changes are flagged', () => {
  const objects = (v: string): ManifestObject[] =>
    ['PersistentVolumeClaim', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'AppProject'].map((kind) => ({ kind, metadata: { name: 'x' }, spec: { v } }));
  const flags = riskFlags({
    environments: [env('dev', [{ name: 'x-dev', service: 'x', changes: diffObjects(objects('a'), objects('b')), before: undefined, after: undefined }])],
    baseFacts: new Map(),
    headFacts: new Map(),
    hasRun: noHistory,
  });
  expect(flags.map((f) => f.message)).toEqual([
    'AppProject/x changed',
    'ClusterRole/x changed',
    'ClusterRoleBinding/x changed',
    'PersistentVolumeClaim/x changed',
    'Role/x changed',
    'RoleBinding/x changed',
  ]);
});
