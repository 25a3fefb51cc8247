import { Construct } from 'constructs';
import type { IAnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { typedObject } from './model-object.js';

const DURATION = /^\d+(s|m|h)$/;

/** Props of {@link HealthCheckAnalysis}. */
export interface HealthCheckAnalysisProps {
  /** Name of the AnalysisTemplate. */
  readonly name: string;
  /** HTTP path checked on the Service named by the `service-name` argument, e.g. '/healthz'. */
  readonly path: string;
  /** Labels of the template. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Wait before the first check, so the new pods settle.
   * @default '60s'
   */
  readonly initialDelay?: string;
  /**
   * Number of checks.
   * @default 10
   */
  readonly count?: number;
  /**
   * Time between checks; with the defaults, 10 checks over 5 minutes.
   * @default '30s'
   */
  readonly interval?: string;
  /**
   * Failed checks that abort the rollout (and so roll back).
   * @default 3
   */
  readonly maxFailures?: number;
  /**
   * JSONPath into the health response the condition reads.
   * @default '{$.status}'
   */
  readonly jsonPath?: string;
  /**
   * Condition a check must meet.
   * @default 'result == "ok"'
   */
  readonly successCondition?: string;
}

/**
 * An AnalysisTemplate that checks a service's health endpoint through a Service given as the
 * `service-name` argument (the preview Service before a blue-green switch, the active one after).
 * A failed analysis aborts the Rollout, which returns traffic to the stable version.
 */
export class HealthCheckAnalysis extends Construct {
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: HealthCheckAnalysisProps) {
    super(scope, id);
    const initialDelay = props.initialDelay ?? '60s';
    const interval = props.interval ?? '30s';
    const count = props.count ?? 10;
    const maxFailures = props.maxFailures ?? 3;
    for (const [key, value] of [['initialDelay', initialDelay], ['interval', interval]] as const) {
      if (!DURATION.test(value)) throw new Error(`${this.node.path}: '${key}' must look like 30s, 5m or 1h, got '${value}'`);
    }
    if (!Number.isInteger(count) || count < 1) throw new Error(`${this.node.path}: 'count' must be a whole number >= 1, got ${count}`);
    if (!Number.isInteger(maxFailures) || maxFailures < 1 || maxFailures > count) {
      throw new Error(`${this.node.path}: 'maxFailures' must be a whole number from 1 to 'count' (${count}), got ${maxFailures}`);
    }
    this.name = props.name;
    typedObject<IAnalysisTemplate>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        args: [{ name: 'service-name' }, { name: 'namespace' }],
        metrics: [
          {
            name: 'health',
            initialDelay,
            interval,
            count,
            // Argo fails a metric when failures exceed failureLimit: the maxFailures-th failure aborts.
            failureLimit: maxFailures - 1,
            consecutiveErrorLimit: maxFailures,
            successCondition: props.successCondition ?? 'result == "ok"',
            provider: {
              web: {
                url: `http://{{args.service-name}}.{{args.namespace}}.svc.cluster.local${props.path}`,
                jsonPath: props.jsonPath ?? '{$.status}',
                timeoutSeconds: 5,
              },
            },
          },
        ],
      },
    });
  }
}
