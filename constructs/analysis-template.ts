import { Construct } from 'constructs';
import type { IAnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import type { IMetric } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Metric';
import { HealthCheckAnalysis } from './health-check-analysis.js';
import { typedObject } from './model-object.js';
import { RUN_AS_USER } from './service-base.js';
import { BUILT_IN_ANALYSIS_ARGS, type Analysis } from '../model/analysis.js';
import type { HealthResponse } from '../model/platform.js';

/** Name of the AnalysisTemplate of `analysis` for the Rollout `rolloutName`: `<rollout>-<analysis name>`. */
export function analysisTemplateName(rolloutName: string, analysis: Analysis): string {
  return `${rolloutName}-${analysis.name}`;
}

/** Props of {@link AnalysisTemplate}. */
export interface AnalysisTemplateProps {
  /** Name of the AnalysisTemplate. */
  readonly name: string;
  /** What it measures. */
  readonly analysis: Analysis;
  /** The service's health path: what a web analysis checks where it names no path. */
  readonly healthPath: string;
  /** The service's healthy answer: what a web analysis tests where it names no JSONPath or condition. */
  readonly healthResponse: HealthResponse;
  /**
   * Prometheus URL of a Prometheus analysis that names no address.
   * @default - none: a Prometheus analysis without an address throws
   */
  readonly prometheusAddress?: string;
  /**
   * Labels of the template.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The AnalysisTemplate of one {@link Analysis}: a web health check ({@link HealthCheckAnalysis}),
 * a Prometheus query, or a Job with the secure pod defaults. Its arguments are the measured
 * Service (`service-name`), its namespace, and the analysis's own, with their default values.
 */
export class AnalysisTemplate extends Construct {
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: AnalysisTemplateProps) {
    super(scope, id);
    const analysis = props.analysis;
    this.name = props.name;
    if (analysis.kind === 'web') {
      new HealthCheckAnalysis(this, 'HealthCheck', {
        name: props.name,
        path: analysis.web.path ?? props.healthPath,
        labels: props.labels,
        initialDelay: analysis.initialDelay,
        interval: analysis.interval,
        count: analysis.count,
        maxFailures: analysis.failureLimit + 1,
        jsonPath: analysis.web.jsonPath ?? props.healthResponse.jsonPath,
        successCondition: analysis.web.successCondition ?? props.healthResponse.successCondition,
      });
      return;
    }
    const schedule = {
      name: analysis.name,
      ...(analysis.initialDelay !== undefined ? { initialDelay: analysis.initialDelay } : {}),
      ...(analysis.interval !== undefined ? { interval: analysis.interval } : {}),
      count: analysis.count,
      failureLimit: analysis.failureLimit,
    };
    let metric: IMetric;
    if (analysis.kind === 'prometheus') {
      const prometheus = analysis.prometheus;
      const address = prometheus.address ?? props.prometheusAddress;
      if (address === undefined) {
        throw new Error(`${this.node.path}: analysis '${analysis.name}' (Analysis.prometheus) has no 'address' and no 'prometheusAddress' was given; set platform 'prometheusAddress'`);
      }
      metric = {
        ...schedule,
        successCondition: prometheus.successCondition,
        ...(prometheus.failureCondition !== undefined ? { failureCondition: prometheus.failureCondition } : {}),
        provider: { prometheus: { address, query: prometheus.query } },
      };
    } else {
      const job = analysis.job;
      const securityContext = { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, seccompProfile: { type: 'RuntimeDefault' as const } };
      metric = {
        ...schedule,
        provider: {
          job: {
            spec: {
              // One attempt: a retry would hide a failed check.
              backoffLimit: 0,
              activeDeadlineSeconds: job.activeDeadlineSeconds,
              template: {
                spec: {
                  restartPolicy: 'Never',
                  automountServiceAccountToken: false,
                  securityContext,
                  containers: [
                    {
                      name: 'analysis',
                      image: job.image,
                      imagePullPolicy: 'IfNotPresent',
                      command: [...job.command],
                      env: Object.entries(job.env).map(([name, value]) => ({ name, value })),
                      resources: { requests: { ...job.resources.requests }, limits: { ...job.resources.limits } },
                      securityContext: {
                        ...securityContext,
                        readOnlyRootFilesystem: true,
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        capabilities: { drop: ['ALL'] },
                      },
                      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                    },
                  ],
                  volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
                },
              },
            },
          },
        },
      };
    }
    typedObject<IAnalysisTemplate>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        args: [
          ...BUILT_IN_ANALYSIS_ARGS.map((name) => ({ name })),
          ...analysis.args.map((name) => (analysis.defaultArgs[name] !== undefined ? { name, value: analysis.defaultArgs[name] } : { name })),
        ],
        metrics: [metric],
      },
    });
  }
}
