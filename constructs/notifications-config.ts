import { Construct } from 'constructs';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import YAML from 'yaml';
import { typedObject } from './model-object.js';

/** The Secret Argo CD Notifications reads its tokens from; ferry names it and never renders it. */
export const NOTIFICATIONS_SECRET = 'argocd-notifications-secret';
/** Key of the GitHub token in {@link NOTIFICATIONS_SECRET} (a token allowed to send repository_dispatch). */
export const GITHUB_TOKEN_KEY = 'github-token';
/** Key of the Slack bot token in {@link NOTIFICATIONS_SECRET}. */
export const SLACK_TOKEN_KEY = 'slack-token';
/** Name of the ConfigMap Argo CD Notifications reads (fixed by Argo CD). */
export const NOTIFICATIONS_CONFIGMAP = 'argocd-notifications-cm';
/** Name of the webhook service that sends the dispatches. */
export const DISPATCH_SERVICE = 'github-dispatch';

/** The triggers ferry defines, each with the `repository_dispatch` event type it sends. */
export const NOTIFICATION_TRIGGERS = {
  'on-sync-succeeded': 'argocd-sync-succeeded',
  'on-health-degraded': 'argocd-health-degraded',
  'on-rollout-aborted': 'argocd-rollout-aborted',
} as const;
export type NotificationTrigger = keyof typeof NOTIFICATION_TRIGGERS;

/** Props of {@link NotificationsConfig}. */
export interface NotificationsConfigProps {
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The repository that receives the dispatches. */
  readonly github: { readonly owner: string; readonly repo: string; readonly apiUrl: string };
  /**
   * Also post every event to this Slack channel.
   * @default - no Slack
   */
  readonly slack?: { readonly channel: string };
  /**
   * Image repository (`<registry>/<repository>`, no tag) of each service, to read the tag the
   * cluster reports from the Application's images.
   */
  readonly images: Readonly<Record<string, string>>;
}

/**
 * Application labels the templates read: the ApplicationSet of the environments sets them
 * (constructs/environment-application-set.ts).
 */
const SERVICE_LABEL = 'ferry.dev/service';
const ENVIRONMENT_LABEL = 'ferry.dev/environment';

/** The Application's Rollout is Degraded: Argo CD's Rollout health check says so of an aborted Rollout. */
const ROLLOUT_DEGRADED = "any(app.status.resources, {.kind == 'Rollout' and .health != nil and .health.status == 'Degraded'})";

/**
 * `argocd-notifications-cm`: triggers and templates with which each Application of the platform
 * reports to GitHub (`POST /repos/{owner}/{repo}/dispatches`) when it synced and is Healthy, went
 * Degraded, or its Rollout aborted; optionally to Slack. The rollout-aborted trigger is Argo CD's,
 * not Argo Rollouts' own (`argo-rollouts-notification-configmap`): only the Application knows the
 * git revision it synced and the labels naming service and environment, and one component sends
 * every event. The tokens are `$github-token` and `$slack-token` of
 * {@link NOTIFICATIONS_SECRET}, which is never rendered.
 */
export class NotificationsConfig extends Construct {
  /** Annotations that subscribe an Application to every trigger (for the ApplicationSet template). */
  public static subscriptions(slack?: { readonly channel: string }): Record<string, string> {
    const out: Record<string, string> = {};
    for (const trigger of Object.keys(NOTIFICATION_TRIGGERS)) {
      out[`notifications.argoproj.io/subscribe.${trigger}.${DISPATCH_SERVICE}`] = '';
      if (slack) out[`notifications.argoproj.io/subscribe.${trigger}.slack`] = slack.channel;
    }
    return out;
  }

  public readonly name = NOTIFICATIONS_CONFIGMAP;

  public constructor(scope: Construct, id: string, props: NotificationsConfigProps) {
    super(scope, id);
    if (Object.keys(props.images).length === 0) throw new Error(`${this.node.path}: 'images' must name at least one service`);
    const data: Record<string, string> = {
      [`service.webhook.${DISPATCH_SERVICE}`]: toYaml({
        url: `${props.github.apiUrl}/repos/${props.github.owner}/${props.github.repo}/dispatches`,
        headers: [
          { name: 'Authorization', value: `Bearer $${GITHUB_TOKEN_KEY}` },
          { name: 'Accept', value: 'application/vnd.github+json' },
          { name: 'Content-Type', value: 'application/json' },
        ],
      }),
    };
    if (props.slack) data['service.slack'] = toYaml({ token: `$${SLACK_TOKEN_KEY}` });
    const triggers: Record<NotificationTrigger, { description: string; when: string; oncePer: string }> = {
      'on-sync-succeeded': {
        description: 'The Application synced and is Healthy',
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'",
        oncePer: 'app.status.operationState.syncResult.revision',
      },
      'on-health-degraded': {
        description: 'The Application is Degraded (and no Rollout of it aborted: on-rollout-aborted reports that)',
        when: `app.status.health.status == 'Degraded' and not ${ROLLOUT_DEGRADED}`,
        oncePer: 'app.status.sync.revision',
      },
      'on-rollout-aborted': {
        description: 'A Rollout of the Application aborted (Argo Rollouts has already gone back to the stable version)',
        when: `app.status.health.status == 'Degraded' and ${ROLLOUT_DEGRADED}`,
        oncePer: 'app.status.sync.revision',
      },
    };
    for (const [trigger, rule] of Object.entries(triggers) as [NotificationTrigger, (typeof triggers)[NotificationTrigger]][]) {
      const template = templateName(trigger);
      data[`trigger.${trigger}`] = toYaml([{ description: rule.description, when: rule.when, oncePer: rule.oncePer, send: [template] }]);
      data[`template.${template}`] = toYaml({
        ...(props.slack ? { message: slackMessage(trigger) } : {}),
        webhook: { [DISPATCH_SERVICE]: { method: 'POST', body: dispatchBody(trigger, props.images) } },
      });
    }
    typedObject<IConfigMap>(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: NOTIFICATIONS_CONFIGMAP,
        namespace: props.argocdNamespace,
        labels: { 'app.kubernetes.io/name': NOTIFICATIONS_CONFIGMAP, 'app.kubernetes.io/part-of': 'argocd' },
      },
      data,
    });
  }
}

/** YAML for a ConfigMap value: no folding, so the templates read (and diff) as written. */
function toYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0, blockQuote: 'literal' });
}

/** `ferry-sync-succeeded` for `on-sync-succeeded`. */
export function templateName(trigger: NotificationTrigger): string {
  return `ferry-${trigger.replace(/^on-/, '')}`;
}

/**
 * The Go template (text/template + sprig, as Argo CD Notifications renders it) of one dispatch's
 * JSON body. Every value goes through toJson, so a message with quotes stays valid JSON. `tag` is
 * the tag of the service's image among the Application's running images (the last one listed);
 * `revision` is the git commit Argo CD synced, from which `ferry verify record` reads the tag git
 * deployed.
 */
export function dispatchBody(trigger: NotificationTrigger, images: Readonly<Record<string, string>>): string {
  const repositories = Object.keys(images)
    .sort()
    .map((service) => `${JSON.stringify(service)} ${JSON.stringify(`${images[service]}:`)}`)
    .join(' ');
  const detail =
    trigger === 'on-rollout-aborted'
      ? [
          '{{- $detail := "" -}}',
          '{{- range (dig "status" "resources" (list) .app) -}}',
          '{{- if and (eq (dig "kind" "" .) "Rollout") (eq (dig "health" "status" "" .) "Degraded") -}}',
          '{{- $detail = printf "Rollout %s: %s" (dig "name" "" .) (dig "health" "message" "" .) -}}',
          '{{- end -}}',
          '{{- end -}}',
        ]
      : trigger === 'on-health-degraded'
        ? ['{{- $detail := dig "status" "health" "message" "" .app -}}']
        : ['{{- $detail := "" -}}'];
  return [
    `{{- $service := index .app.metadata.labels ${JSON.stringify(SERVICE_LABEL)} -}}`,
    `{{- $prefix := index (dict ${repositories}) $service | default "" -}}`,
    '{{- $tag := "" -}}',
    '{{- range (dig "status" "summary" "images" (list) .app) -}}',
    '{{- if and $prefix (hasPrefix $prefix .) -}}{{- $tag = regexReplaceAll "@.*$" (trimPrefix $prefix .) "" -}}{{- end -}}',
    '{{- end -}}',
    ...detail,
    `{"event_type":${JSON.stringify(NOTIFICATION_TRIGGERS[trigger])},"client_payload":{` +
      '"application":{{ toJson .app.metadata.name }},' +
      `"environment":{{ toJson (index .app.metadata.labels ${JSON.stringify(ENVIRONMENT_LABEL)}) }},` +
      '"service":{{ toJson $service }},' +
      '"tag":{{ toJson $tag }},' +
      '"revision":{{ toJson (dig "status" "sync" "revision" "" .app) }},' +
      '"health":{{ toJson (dig "status" "health" "status" "" .app) }},' +
      '"detail":{{ toJson $detail }}}}',
    '',
  ].join('\n');
}

/** The Slack line of an event. */
function slackMessage(trigger: NotificationTrigger): string {
  const what = { 'on-sync-succeeded': 'synced and Healthy', 'on-health-degraded': 'is Degraded', 'on-rollout-aborted': 'Rollout aborted' }[trigger];
  return `{{ .app.metadata.name }} ${what} at {{ dig "status" "sync" "revision" "" .app | trunc 12 }}`;
}
