/**
 * The secure defaults of every pod ferry renders, as plain typed objects, for the add-ons that
 * build their own pods (StatefulSet, Job, CronJob): non-root, read-only root filesystem, no
 * capabilities, no privilege escalation, RuntimeDefault seccomp, no service-account token, limits,
 * and images pinned by tag or digest.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { showValue } from './names.js';
import { checkResources, type ResourceRequirements } from './quantity.js';

/** UID and GID of every container: any non-root ID works with a read-only root filesystem. */
export const POD_USER = 10001;

/**
 * The namespaced sysctl that lets a non-root process bind ports below 1024. It is in Kubernetes'
 * safe set since 1.22 (allowed without kubelet flags or a privileged pod); NET_BIND_SERVICE would
 * not help, since a non-root process gets no capability from the container's bounding set
 * without file capabilities on its binary.
 */
export const UNPRIVILEGED_PORT_SYSCTL = 'net.ipv4.ip_unprivileged_port_start';

/** The pod sysctls that let non-root containers listen on `ports`: none unless one is below 1024. */
export function unprivilegedPortSysctls(ports: readonly number[]): { name: string; value: string }[] {
  const lowest = Math.min(...ports);
  return lowest < 1024 ? [{ name: UNPRIVILEGED_PORT_SYSCTL, value: String(lowest) }] : [];
}

const IMAGE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@sha256:[0-9a-f]{64})?$/;

/** Throws unless `image` is pinned by a tag (not 'latest') or a digest. */
export function checkPinnedImage(image: unknown, where: string): string {
  const match = typeof image === 'string' && image.length <= 512 ? IMAGE.exec(image) : null;
  const pinned = match !== null && (match[2] !== undefined || (match[1] !== undefined && match[1] !== 'latest'));
  if (!pinned) {
    throw new Error(`${where}: ${showValue(image)} must be an image pinned by a tag or digest, never 'latest' or untagged; e.g. 'postgres:16.4' or 'postgres@sha256:<64 hex>'`);
  }
  return image as string;
}

/** How a container tells it is ready and alive (both probes use it). */
export type ContainerCheck = { readonly httpGet: { readonly path: string; readonly port: number } } | { readonly tcpPort: number } | { readonly exec: readonly string[] };

/** The readiness or liveness probe of a {@link ContainerCheck}. */
export function probeOf(check: ContainerCheck, periodSeconds: number): IProbe {
  const how =
    'httpGet' in check
      ? { httpGet: { path: check.httpGet.path, port: check.httpGet.port } }
      : 'tcpPort' in check
        ? { tcpSocket: { port: check.tcpPort } }
        : { exec: { command: [...check.exec] } };
  return { ...how, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

/** Props of {@link secureContainer}. */
export interface SecureContainerProps {
  readonly name: string;
  /** Pinned by tag or digest (see {@link checkPinnedImage}). */
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Plain variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Variables read from Secrets: name -> Secret and key. */
  readonly secretEnv?: Readonly<Record<string, { readonly secretName: string; readonly key: string }>>;
  /** Port the container listens on (TCP). */
  readonly port?: number;
  readonly resources: ResourceRequirements;
  /** Readiness and liveness; omitted for run-to-completion containers (Jobs). */
  readonly check?: ContainerCheck;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}

/** A container with the secure defaults. */
export function secureContainer(props: SecureContainerProps, where: string): IContainer {
  checkPinnedImage(props.image, `${where}: 'image'`);
  checkResources(props.resources, `${where}: 'resources'`);
  const env = [
    ...Object.keys(props.env ?? {}).sort().map((name) => ({ name, value: props.env![name]! })),
    ...Object.keys(props.secretEnv ?? {}).sort().map((name) => ({ name, valueFrom: { secretKeyRef: { name: props.secretEnv![name]!.secretName, key: props.secretEnv![name]!.key } } })),
  ];
  return {
    name: props.name,
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    ...(props.command ? { command: [...props.command] } : {}),
    ...(props.args ? { args: [...props.args] } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(props.port !== undefined ? { ports: [{ containerPort: props.port, protocol: 'TCP' }] } : {}),
    resources: { requests: { ...props.resources.requests }, limits: { ...props.resources.limits } },
    ...(props.check ? { readinessProbe: probeOf(props.check, 5), livenessProbe: probeOf(props.check, 10) } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: POD_USER,
      runAsGroup: POD_USER,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(props.volumeMounts && props.volumeMounts.length > 0 ? { volumeMounts: props.volumeMounts.map((m) => ({ ...m })) } : {}),
  };
}

/** A pod spec with the secure defaults around `containers`. */
export function securePodSpec(props: { readonly containers: readonly IContainer[]; readonly volumes?: readonly IVolume[]; readonly restartPolicy?: 'Always' | 'Never' | 'OnFailure' }): IPodSpec {
  const ports = props.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
  const sysctls = ports.length > 0 ? unprivilegedPortSysctls(ports) : [];
  return {
    automountServiceAccountToken: false,
    ...(props.restartPolicy ? { restartPolicy: props.restartPolicy } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: POD_USER,
      runAsGroup: POD_USER,
      fsGroup: POD_USER,
      seccompProfile: { type: 'RuntimeDefault' },
      ...(sysctls.length > 0 ? { sysctls } : {}),
    },
    containers: [...props.containers],
    ...(props.volumes && props.volumes.length > 0 ? { volumes: [...props.volumes] } : {}),
  };
}

/** emptyDir volumes (64 MiB each) for the paths a read-only root filesystem leaves a process to write. */
export function writableDirs(paths: readonly string[], where: string): { volumes: IVolume[]; mounts: { name: string; mountPath: string }[] } {
  const names = paths.map((path, i) => {
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(path)) throw new Error(`${where}: 'writablePaths[${i}]' ${showValue(path)} must be an absolute path like '/tmp'`);
    return `writable-${i}`;
  });
  return {
    volumes: names.map((name) => ({ name, emptyDir: { sizeLimit: '64Mi' } })),
    mounts: names.map((name, i) => ({ name, mountPath: paths[i]! })),
  };
}
