import { emitYaml } from './yaml-emit.js';
import type { LogLevel, ResourceRequirements } from '../../model/platform.js';
import type { ConfigEntry } from '../../model/service-config.js';

/** The ConfigMap kustomize generates for a service's config; kustomize appends a content hash to the name. */
export function configMapName(serviceName: string): string {
  return `${serviceName}-config`;
}

/** Inputs of one overlay's kustomization.yaml. */
export interface OverlayKustomizationProps {
  /** Path of the base relative to the overlay folder. */
  readonly base: string;
  /** Extra resource files in the overlay folder (Rollout, AnalysisTemplate, preview Service). */
  readonly resources: readonly string[];
  /** Namespace of every object; undefined leaves it to the Argo CD Application. */
  readonly namespace: string | undefined;
  /** Label pairs added to every object and pod template (not selectors). */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceName: string;
  /** Image name kustomize matches (no tag). */
  readonly image: string;
  /** Tag to deploy; undefined leaves it to the Application (previews). */
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  readonly replicas: number;
  /** The Rollout owns the pods: the Deployment is only its template and runs no pod itself. */
  readonly deploymentIsTemplateOnly: boolean;
  readonly logLevel: LogLevel;
  readonly resourcesOverride: ResourceRequirements;
  /** Host the Ingress answers on here; undefined keeps the base host or there is no Ingress. */
  readonly host: string | undefined;
  /**
   * The service's config here: literals go into a generated ConfigMap (its hashed name rolls the
   * pods when a value changes), Secret references become `secretKeyRef` env entries.
   * @default {}
   */
  readonly config?: Readonly<Record<string, ConfigEntry>>;
  /**
   * An add-on that declares `ownsReplicas` (an autoscaler; model/replica-ownership.ts) owns the
   * replicas of the workload that runs the pods: git holds none, so Argo CD's self-heal never
   * resets what the autoscaler set (it starts from its minReplicas).
   * @default false
   */
  readonly autoscaled?: boolean;
}

/** The kustomization.yaml object of one service in one environment. Pure; the tag is one line of it. */
export function overlayKustomization(props: OverlayKustomizationProps): Record<string, unknown> {
  const config = Object.entries(props.config ?? {});
  const configMap = configMapName(props.serviceName);
  const literals = config.flatMap(([key, entry]) => (entry.kind === 'literal' ? [`${key}=${entry.value}`] : []));
  const configEnv = config.map(([key, entry]) =>
    entry.kind === 'literal'
      ? { name: key, valueFrom: { configMapKeyRef: { name: configMap, key } } }
      : { name: key, valueFrom: { secretKeyRef: { name: entry.ref.secret, key: entry.ref.key } } });
  const deploymentPatch = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: props.serviceName },
    spec: {
      ...(props.deploymentIsTemplateOnly ? { replicas: 0 } : {}),
      template: {
        spec: {
          containers: [
            {
              name: props.serviceName,
              env: [{ name: 'LOG_LEVEL', value: props.logLevel }, ...configEnv],
              resources: {
                requests: { ...props.resourcesOverride.requests },
                limits: { ...props.resourcesOverride.limits },
              },
            },
          ],
        },
      },
    },
  };
  const patches: Record<string, unknown>[] = [
    { target: { kind: 'Deployment', name: props.serviceName }, patch: emitYaml(deploymentPatch).trimEnd() },
  ];
  if (props.autoscaled) {
    const workload = props.deploymentIsTemplateOnly ? 'Rollout' : 'Deployment';
    patches.push({ target: { kind: workload, name: props.serviceName }, patch: emitYaml([{ op: 'remove', path: '/spec/replicas' }]).trimEnd() });
  }
  if (props.host) {
    patches.push({
      target: { kind: 'Ingress', name: props.serviceName },
      patch: emitYaml([{ op: 'replace', path: '/spec/rules/0/host', value: props.host }]).trimEnd(),
    });
  }
  const image: Record<string, string> = { name: props.image };
  if (props.tag !== undefined) image.newTag = props.tag;
  if (props.digest !== undefined) image.digest = props.digest;
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...(props.namespace ? { namespace: props.namespace } : {}),
    resources: [props.base, ...props.resources],
    labels: [{ pairs: { ...props.labels }, includeSelectors: false, includeTemplates: true }],
    ...(props.tag !== undefined || props.digest !== undefined ? { images: [image] } : {}),
    // The Rollout carries the replica count where it owns the pods.
    ...(props.deploymentIsTemplateOnly || props.autoscaled ? {} : { replicas: [{ name: props.serviceName, count: props.replicas }] }),
    // kustomize names the ConfigMap <name>-<content hash> and rewrites the configMapKeyRefs to it.
    ...(literals.length > 0 ? { configMapGenerator: [{ name: configMap, literals }] } : {}),
    patches,
  };
}

/** The kustomization.yaml of a base: its resource files, in order. */
export function baseKustomization(resources: readonly string[]): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] };
}
