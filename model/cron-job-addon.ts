import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { AddonPlacement, type AddonContext, type AddonManifest, type ServiceAddon } from './addon.js';
import { JobRun, type JobAddonProps } from './batch-job-addon.js';
import { showValue } from './names.js';

/** Props of {@link CronJobAddon}. */
export interface CronJobAddonProps extends JobAddonProps {
  /** Cron schedule of five fields, e.g. '0 3 * * *'. */
  readonly schedule: string;
  /**
   * Time zone of the schedule (IANA name).
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

/**
 * A CronJob of the service: the run of a {@link JobAddon} on a schedule, never two runs at once
 * (`concurrencyPolicy: Forbid`), keeping the last three successful and failed runs.
 */
export class CronJobAddon implements ServiceAddon {
  public readonly id: string;
  public readonly placement: AddonPlacement;
  public readonly schedule: string;
  public readonly timeZone: string;
  private readonly run: JobRun;

  public constructor(props: CronJobAddonProps) {
    this.id = props.id;
    const where = `CronJobAddon '${props.id}'`;
    this.placement = props.placement ?? AddonPlacement.base();
    this.schedule = props.schedule;
    const fields = typeof this.schedule === 'string' ? this.schedule.trim().split(/\s+/) : [];
    if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
      throw new Error(`${where}: 'schedule' ${showValue(this.schedule)} must be a cron schedule of five fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *'`);
    }
    this.timeZone = props.timeZone ?? 'Etc/UTC';
    if (typeof this.timeZone !== 'string' || !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(this.timeZone)) throw new Error(`${where}: 'timeZone' ${showValue(this.timeZone)} must be an IANA time zone like 'Europe/Paris'`);
    this.run = new JobRun(props, where);
  }

  public manifests(context: AddonContext): AddonManifest[] {
    const labels = { ...context.labels, 'app.kubernetes.io/component': this.id };
    const cronJob: ICronJob & AddonManifest = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: `${context.serviceName}-${this.id}`, labels },
      spec: {
        schedule: this.schedule,
        timeZone: this.timeZone,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: this.run.backoffLimit,
            activeDeadlineSeconds: this.run.activeDeadlineSeconds,
            template: this.run.template(labels, context.where),
          },
        },
      },
    };
    return [cronJob];
  }
}
