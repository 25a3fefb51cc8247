/**
 * Argo CD Notifications: the ConfigMap validates against the Kubernetes schema, and the exact JSON
 * each dispatch sends is asserted by rendering the template bodies with Go's text/template and
 * sprig (tools/gotemplate, Argo CD's engine) against a realistic Application.
 */
import { Chart, Testing } from 'cdk8s';
import YAML from 'yaml';
import { ArgoCdChart } from '../../charts/argocd-chart.js';
import { DISPATCH_SERVICE, NOTIFICATIONS_CONFIGMAP, NotificationsConfig, templateName, type NotificationTrigger } from '../../constructs/notifications-config.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { Environment, Platform, Profiles, type NotificationsProps } from '../../model/platform.js';
import { goTemplateBinary, renderWithGo } from '../conformance/go-template-engine.js';

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const IMAGES = { api: `${REGISTRY}/api`, web: `${REGISTRY}/web` };
const REVISION = '3f9c2a1b4d5e6f708192a3b4c5d6e7f801234567';

beforeAll(() => {
  goTemplateBinary();
}, 120_000);

function configMap(slack?: { channel: string }): Record<string, any> {
  const chart = new Chart(Testing.app(), 'test');
  new NotificationsConfig(chart, 'notifications', { argocdNamespace: 'argocd', github: { owner: 'example-org', repo: 'shop-platform', apiUrl: 'https://api.github.com' }, slack, images: IMAGES });
  const objects = Testing.synth(chart);
  expect(objects).toHaveLength(1);
  return objects[0]!;
}

/** An Application as Argo CD holds it for the Notifications controller (fields trimmed to those that vary). */
function application(status: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: 'api-prod',
      namespace: 'argocd',
      labels: { 'ferry.dev/service': 'api', 'ferry.dev/environment': 'prod' },
      annotations: NotificationsConfig.subscriptions(),
    },
    spec: { project: 'shop', source: { repoURL: 'https://github.com/example-org/shop-platform.git', targetRevision: 'main', path: 'manifests/overlays/prod/api' } },
    status: {
      sync: { status: 'Synced', revision: REVISION },
      summary: { images: [`${REGISTRY}/api:v1.3.2@sha256:${'a'.repeat(64)}`, 'docker.io/envoyproxy/envoy:v1.30.1'] },
      ...status,
    },
  };
}

/** The JSON body a trigger's dispatch sends for `app`, rendered by Go. */
function dispatch(trigger: NotificationTrigger, app: Record<string, unknown>): unknown {
  const template = YAML.parse(configMap().data[`template.${templateName(trigger)}`]) as { webhook: Record<string, { method: string; body: string }> };
  expect(template.webhook[DISPATCH_SERVICE]!.method).toBe('POST');
  const [outcome] = renderWithGo([{ template: template.webhook[DISPATCH_SERVICE]!.body, params: { app } }]);
  if (!outcome || !('output' in outcome)) throw new Error(`Go refused the ${trigger} template: ${JSON.stringify(outcome)}`);
  return JSON.parse(outcome.output);
}

describe('argocd-notifications-cm', () => {
  test('validates against the Kubernetes schema; names the secret key and holds no token', async () => {
    const cm = configMap({ channel: 'deploys' });
    expect(await validateObjects([cm])).toEqual([]);
    expect(cm.metadata).toMatchObject({ name: NOTIFICATIONS_CONFIGMAP, namespace: 'argocd' });
    expect(YAML.parse(cm.data['service.webhook.github-dispatch'])).toEqual({
      url: 'https://api.github.com/repos/example-org/shop-platform/dispatches',
      headers: [
        { name: 'Authorization', value: 'Bearer $github-token' },
        { name: 'Accept', value: 'application/vnd.github+json' },
        { name: 'Content-Type', value: 'application/json' },
      ],
    });
    expect(YAML.parse(cm.data['service.slack'])).toEqual({ token: '$slack-token' });
    expect(Object.keys(cm.data).sort()).toEqual([
      'service.slack',
      'service.webhook.github-dispatch',
      'template.ferry-health-degraded',
      'template.ferry-rollout-aborted',
      'template.ferry-sync-succeeded',
      'trigger.on-health-degraded',
      'trigger.on-rollout-aborted',
      'trigger.on-sync-succeeded',
    ]);
    const triggers = YAML.parse(cm.data['trigger.on-rollout-aborted']) as { when: string; send: string[]; oncePer: string }[];
    expect(triggers).toEqual([expect.objectContaining({ send: ['ferry-rollout-aborted'], oncePer: 'app.status.sync.revision' })]);
    expect(triggers[0]!.when).toBe("app.status.health.status == 'Degraded' and any(app.status.resources, {.kind == 'Rollout' and .health != nil and .health.status == 'Degraded'})");
    expect(YAML.parse(cm.data['trigger.on-health-degraded'])[0].when).toContain('and not any(app.status.resources');
    expect(YAML.parse(cm.data['template.ferry-sync-succeeded']).message).toBe('{{ .app.metadata.name }} synced and Healthy at {{ dig "status" "sync" "revision" "" .app | trunc 12 }}');
    // Without Slack there is neither a Slack service nor a message.
    const plain = configMap();
    expect(plain.data['service.slack']).toBeUndefined();
    expect(YAML.parse(plain.data['template.ferry-sync-succeeded']).message).toBeUndefined();
  });

  test('sync succeeded: the exact repository_dispatch body', () => {
    const app = application({ health: { status: 'Healthy' }, operationState: { phase: 'Succeeded', syncResult: { revision: REVISION } } });
    expect(dispatch('on-sync-succeeded', app)).toEqual({
      event_type: 'argocd-sync-succeeded',
      client_payload: { application: 'api-prod', environment: 'prod', service: 'api', tag: 'v1.3.2', revision: REVISION, health: 'Healthy', detail: '' },
    });
  });

  test('health degraded: the message, quotes and all, stays valid JSON', () => {
    const app = application({ health: { status: 'Degraded', message: 'Deployment "api" exceeded its progress deadline' } });
    expect(dispatch('on-health-degraded', app)).toEqual({
      event_type: 'argocd-health-degraded',
      client_payload: { application: 'api-prod', environment: 'prod', service: 'api', tag: 'v1.3.2', revision: REVISION, health: 'Degraded', detail: 'Deployment "api" exceeded its progress deadline' },
    });
  });

  test("rollout aborted: the Rollout's abort message as the detail", () => {
    const app = application({
      health: { status: 'Degraded' },
      resources: [
        { group: 'apps', kind: 'Deployment', name: 'api', namespace: 'prod', version: 'v1', status: 'Synced', health: { status: 'Healthy' } },
        { kind: 'Service', name: 'api', namespace: 'prod', version: 'v1', status: 'Synced' },
        { group: 'argoproj.io', kind: 'Rollout', name: 'api', namespace: 'prod', version: 'v1alpha1', status: 'Synced', health: { status: 'Degraded', message: 'RolloutAborted: Rollout aborted update to revision 4: Metric "health-check" assessed Failed due to failed (3) > failureLimit (2)' } },
      ],
    });
    expect(dispatch('on-rollout-aborted', app)).toEqual({
      event_type: 'argocd-rollout-aborted',
      client_payload: {
        application: 'api-prod',
        environment: 'prod',
        service: 'api',
        tag: 'v1.3.2',
        revision: REVISION,
        health: 'Degraded',
        detail: 'Rollout api: RolloutAborted: Rollout aborted update to revision 4: Metric "health-check" assessed Failed due to failed (3) > failureLimit (2)',
      },
    });
  });

  test('an Application that has no images yet sends an empty tag, not a broken body', () => {
    const app = application({ health: { status: 'Degraded', message: 'x' }, summary: {} });
    expect(dispatch('on-health-degraded', app)).toMatchObject({ client_payload: { tag: '', service: 'api', detail: 'x' } });
  });
});

describe('platform notifications', () => {
  const base = {
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop-platform.git',
    registry: REGISTRY,
    services: [{ name: 'api' }],
    environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production({ approvers: ['@example-org/rm'] }))],
  };
  const platform = (notifications: NotificationsProps | undefined, repoURL = base.repoURL) => new Platform({ ...base, repoURL, notifications });

  test('defaults the repository from repoURL; renders the ConfigMap and the subscriptions on each cluster only when set', () => {
    expect(platform({}).notifications).toEqual({ github: { owner: 'example-org', repo: 'shop-platform', apiUrl: 'https://api.github.com' }, slack: undefined });
    const synth = (p: Platform) => Testing.synth(new ArgoCdChart(Testing.app(), 'argocd', { platform: p, cluster: 'prod', overlaysPath: 'manifests/overlays' }));
    const withSlack = synth(platform({ slack: { channel: 'deploys' } }));
    expect(withSlack.map((o) => o.kind)).toEqual(['AppProject', 'ApplicationSet', 'ConfigMap']);
    expect(withSlack.some((o) => o.kind === 'Secret')).toBe(false);
    expect(withSlack[1]!.spec.template.metadata.annotations).toEqual({
      'notifications.argoproj.io/subscribe.on-sync-succeeded.github-dispatch': '',
      'notifications.argoproj.io/subscribe.on-sync-succeeded.slack': 'deploys',
      'notifications.argoproj.io/subscribe.on-health-degraded.github-dispatch': '',
      'notifications.argoproj.io/subscribe.on-health-degraded.slack': 'deploys',
      'notifications.argoproj.io/subscribe.on-rollout-aborted.github-dispatch': '',
      'notifications.argoproj.io/subscribe.on-rollout-aborted.slack': 'deploys',
    });
    const without = synth(platform(undefined));
    expect(without.map((o) => o.kind)).toEqual(['AppProject', 'ApplicationSet']);
    expect(without[1]!.spec.template.metadata.annotations).toBeUndefined();
  });

  test('refuses bad settings naming the key, the value and what is allowed', () => {
    expect(() => platform({}, 'https://gitlab.example.com/shop/platform.git')).toThrow(
      "platform 'notifications'.github: repoURL 'https://gitlab.example.com/shop/platform.git' is not a github.com repository; set 'notifications.github.owner' and 'notifications.github.repo'",
    );
    expect(() => platform({ slack: { channel: '#deploys' } })).toThrow(
      "platform 'notifications'.slack.channel \"#deploys\" must be a Slack channel name without '#': lowercase letters, digits, '.', '_' and '-', at most 80",
    );
    expect(() => platform({ github: { apiUrl: 'http://github.example.com/api/v3' } })).toThrow(
      "platform 'notifications'.github.apiUrl \"http://github.example.com/api/v3\" must be an https URL without a trailing slash, like https://api.github.com or https://github.example.com/api/v3",
    );
  });
});
