import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { AddonPlacement, type AddonContext, type AddonManifest, type ServiceAddon } from './addon.js';
import { showValue } from './names.js';
import { DEFAULT_RESOURCES } from './platform.js';
import type { ResourceRequirements } from './quantity.js';
import { checkPinnedImage, secureContainer, securePodSpec, writableDirs } from './secure-pod.js';

/** Props of {@link JobAddon} (and of each run of a {@link CronJobAddon}). */
export interface JobAddonProps {
  /** Id among the service's add-ons; the object is named `<service>-<id>`. */
  readonly id: string;
  /** Image pinned by tag or digest, e.g. 'registry.example.com/api-migrate:v1.2.0'. */
  readonly image: string;
  /**
   * Entrypoint.
   * @default - the image's
   */
  readonly command?: readonly string[];
  /**
   * Arguments.
   * @default - the image's
   */
  readonly args?: readonly string[];
  /**
   * Plain environment variables.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Variables read from Secrets: name -> Secret and key.
   * @default {}
   */
  readonly secretEnv?: Readonly<Record<string, { readonly secretName: string; readonly key: string }>>;
  /**
   * Retries before the run fails.
   * @default 3
   */
  readonly backoffLimit?: number;
  /**
   * Seconds a run may take before it is stopped.
   * @default 600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Requests and limits.
   * @default - requests 100m/128Mi, limits 500m/256Mi
   */
  readonly resources?: ResourceRequirements;
  /**
   * Where its objects go.
   * @default AddonPlacement.base()
   */
  readonly placement?: AddonPlacement;
}

/** The pod template and run limits of a job, shared by {@link JobAddon} and CronJobAddon. */
export class JobRun {
  public readonly backoffLimit: number;
  public readonly activeDeadlineSeconds: number;

  public constructor(
    private readonly props: JobAddonProps,
    where: string,
  ) {
    checkPinnedImage(props.image, `${where}: 'image'`);
    this.backoffLimit = props.backoffLimit ?? 3;
    if (!Number.isInteger(this.backoffLimit) || this.backoffLimit < 0 || this.backoffLimit > 100) throw new Error(`${where}: 'backoffLimit' ${showValue(this.backoffLimit)} must be a whole number from 0 to 100`);
    this.activeDeadlineSeconds = props.activeDeadlineSeconds ?? 600;
    if (!Number.isInteger(this.activeDeadlineSeconds) || this.activeDeadlineSeconds < 1) throw new Error(`${where}: 'activeDeadlineSeconds' ${showValue(this.activeDeadlineSeconds)} must be a whole number of seconds >= 1`);
  }

  /** A run-to-completion pod: no probes, restartPolicy Never, a writable /tmp. */
  public template(labels: Readonly<Record<string, string>>, where: string): IPodTemplateSpec {
    const tmp = writableDirs(['/tmp'], where);
    const container = secureContainer(
      {
        name: this.props.id,
        image: this.props.image,
        command: this.props.command,
        args: this.props.args,
        env: this.props.env,
        secretEnv: this.props.secretEnv,
        resources: this.props.resources ?? DEFAULT_RESOURCES,
        volumeMounts: tmp.mounts,
      },
      where,
    );
    return { metadata: { labels: { ...labels } }, spec: securePodSpec({ containers: [container], volumes: tmp.volumes, restartPolicy: 'Never' }) };
  }
}

/**
 * A Job of the service (a one-off task such as a migration) with the secure defaults of every pod,
 * a retry limit, a deadline and clean-up a day after it finishes.
 */
export class JobAddon implements ServiceAddon {
  public readonly id: string;
  public readonly placement: AddonPlacement;
  private readonly run: JobRun;

  public constructor(props: JobAddonProps) {
    this.id = props.id;
    this.placement = props.placement ?? AddonPlacement.base();
    this.run = new JobRun(props, `JobAddon '${props.id}'`);
  }

  public manifests(context: AddonContext): AddonManifest[] {
    const labels = { ...context.labels, 'app.kubernetes.io/component': this.id };
    const job: IJob & AddonManifest = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `${context.serviceName}-${this.id}`, labels },
      spec: {
        backoffLimit: this.run.backoffLimit,
        activeDeadlineSeconds: this.run.activeDeadlineSeconds,
        ttlSecondsAfterFinished: 86400,
        template: this.run.template(labels, context.where),
      },
    };
    return [job];
  }
}
