import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { AddonPlacement, type AddonContext, type AddonManifest, type ServiceAddon } from './addon.js';
import { isDnsLabel, showValue } from './names.js';
import { DEFAULT_RESOURCES } from './platform.js';
import { parseMemory, type ResourceRequirements } from './quantity.js';
import { checkPinnedImage, secureContainer, securePodSpec, writableDirs, type ContainerCheck } from './secure-pod.js';

/** Props of {@link StatefulSetAddon}. */
export interface StatefulSetAddonProps {
  /**
   * Id among the service's add-ons; the objects are named `<service>-<id>`.
   * @default 'database'
   */
  readonly id?: string;
  /** Image pinned by tag or digest, e.g. 'postgres:16.4'. */
  readonly image: string;
  /** Port it listens on; the headless Service exposes it and only the service's pods may connect. */
  readonly port: number;
  /** Where the volume claim of each replica is mounted, e.g. '/var/lib/postgresql/data'. */
  readonly dataPath: string;
  /**
   * Size of each replica's volume claim.
   * @default '1Gi'
   */
  readonly storage?: string;
  /**
   * Storage class of the claims.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Plain environment variables.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Variables read from Secrets (passwords): name -> Secret and key.
   * @default {}
   */
  readonly secretEnv?: Readonly<Record<string, { readonly secretName: string; readonly key: string }>>;
  /**
   * Paths the process writes besides `dataPath` (the root filesystem is read-only), each an emptyDir.
   * @default ['/tmp']
   */
  readonly writablePaths?: readonly string[];
  /**
   * Readiness and liveness check.
   * @default - a TCP connection to `port`
   */
  readonly check?: ContainerCheck;
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

/**
 * A StatefulSet beside the service (e.g. its PostgreSQL database): one volume claim per replica
 * (`volumeClaimTemplates`), a headless Service giving each replica a stable DNS name, a
 * NetworkPolicy admitting only the service's own pods, and the secure defaults of every pod.
 */
export class StatefulSetAddon implements ServiceAddon {
  public readonly id: string;
  public readonly placement: AddonPlacement;
  private readonly props: StatefulSetAddonProps;
  private readonly replicas: number;
  private readonly storage: string;

  public constructor(props: StatefulSetAddonProps) {
    this.id = props.id ?? 'database';
    const where = `StatefulSetAddon '${this.id}'`;
    this.placement = props.placement ?? AddonPlacement.base();
    checkPinnedImage(props.image, `${where}: 'image'`);
    if (!Number.isInteger(props.port) || props.port < 1 || props.port > 65535) throw new Error(`${where}: 'port' ${showValue(props.port)} must be a whole number from 1 to 65535`);
    if (typeof props.dataPath !== 'string' || !/^\/[A-Za-z0-9._/-]+$/.test(props.dataPath)) throw new Error(`${where}: 'dataPath' ${showValue(props.dataPath)} must be an absolute path like '/var/lib/postgresql/data'`);
    this.storage = props.storage ?? '1Gi';
    if (!parseMemory(this.storage)) throw new Error(`${where}: 'storage' ${showValue(this.storage)} must be a size like 1Gi or 512Mi`);
    if (props.storageClassName !== undefined && !isDnsLabel(props.storageClassName, 253)) throw new Error(`${where}: 'storageClassName' ${showValue(props.storageClassName)} must be a storage class name`);
    this.replicas = props.replicas ?? 1;
    if (!Number.isInteger(this.replicas) || this.replicas < 1 || this.replicas > 100) throw new Error(`${where}: 'replicas' ${showValue(this.replicas)} must be a whole number from 1 to 100`);
    this.props = props;
  }

  public manifests(context: AddonContext): AddonManifest[] {
    const name = `${context.serviceName}-${this.id}`;
    const selector = { 'app.kubernetes.io/name': name };
    const labels = { ...context.labels, ...selector, 'app.kubernetes.io/component': this.id };
    const writable = writableDirs(this.props.writablePaths ?? ['/tmp'], context.where);
    const container = secureContainer(
      {
        name: this.id,
        image: this.props.image,
        env: this.props.env,
        secretEnv: this.props.secretEnv,
        port: this.props.port,
        resources: this.props.resources ?? DEFAULT_RESOURCES,
        check: this.props.check ?? { tcpPort: this.props.port },
        volumeMounts: [{ name: 'data', mountPath: this.props.dataPath }, ...writable.mounts],
      },
      context.where,
    );
    const headless: IService & AddonManifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { clusterIP: 'None', selector: { ...selector }, ports: [{ name: 'tcp', port: this.props.port, targetPort: this.props.port, protocol: 'TCP' }] },
    };
    const statefulSet: IStatefulSet & AddonManifest = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: this.replicas,
        selector: { matchLabels: { ...selector } },
        template: {
          metadata: { labels: { ...labels } },
          spec: securePodSpec({ containers: [container], volumes: writable.volumes }),
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(this.props.storageClassName ? { storageClassName: this.props.storageClassName } : {}),
              resources: { requests: { storage: this.storage } },
            },
          },
        ],
      },
    };
    // Least privilege: only the service's own pods reach it.
    const policy: INetworkPolicy & AddonManifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, labels },
      spec: {
        podSelector: { matchLabels: { ...selector } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { ...context.selector } } }], ports: [{ protocol: 'TCP', port: this.props.port }] }],
      },
    };
    return [headless, statefulSet, policy];
  }
}
