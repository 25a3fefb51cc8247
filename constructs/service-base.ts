import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { typedObject } from './model-object.js';
import { DEFAULT_RESOURCES, type ServiceDefinition } from '../model/platform.js';
import { probeOf, unprivilegedPortSysctls } from '../model/secure-pod.js';
import { HELPER_CONTAINER_RESOURCES, type InitContainerProps, type SidecarProps } from '../model/service-shape.js';
import { checkResources, parseCpuMillis, parseMemory, type MemoryUnit, type ResourceRequirements } from '../model/quantity.js';

/** Port a Service exposes unless the service sets `servicePort`; the container port stays the service's own. */
export const SERVICE_PORT = 80;

/** UID and GID the containers run as: any non-root ID works with a read-only root filesystem. */
export const RUN_AS_USER = 10001;

/** Props of {@link ServiceBase}. */
export interface ServiceBaseProps {
  /** The service to deploy. */
  readonly service: ServiceDefinition;
  /** Image name without tag; each environment's overlay sets the tag. */
  readonly image: string;
  /**
   * Value of `app.kubernetes.io/part-of`.
   * @default - the service name
   */
  readonly partOf?: string;
  /**
   * Ingress class of the Ingress.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
  /**
   * Namespaces whose pods may connect (besides pods of the same namespace).
   * @default ['ingress', 'argo-rollouts']
   */
  readonly allowedIngressNamespaces?: readonly string[];
  /**
   * Container requests and limits before any environment overrides them.
   * @default - requests 100m/128Mi, limits 500m/256Mi
   */
  readonly resources?: ResourceRequirements;
  /**
   * Replicas before any environment overrides them.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * LOG_LEVEL before any environment overrides it.
   * @default 'INFO'
   */
  readonly logLevel?: string;
  /**
   * Service ports of the platform's other services, for ingress paths that route to them.
   * @default - none: every ingress path routes to this service
   */
  readonly servicePorts?: Readonly<Record<string, number>>;
}

/**
 * The environment-independent base of one service: ServiceAccount, Deployment, Service, Ingress,
 * PodDisruptionBudget and NetworkPolicy, with secure defaults (non-root, read-only root
 * filesystem, no capabilities, RuntimeDefault seccomp, no service-account token, probes, limits).
 */
export class ServiceBase extends Construct {
  /** Labels every object and pod carries; the selector uses `app.kubernetes.io/name` alone. */
  public readonly labels: Readonly<Record<string, string>>;
  public readonly selector: Readonly<Record<string, string>>;
  public readonly deployment: kplus.Deployment;
  public readonly kubeService: kplus.Service;
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly ingress: ApiObject | undefined;

  public constructor(scope: Construct, id: string, props: ServiceBaseProps) {
    super(scope, id);
    const service = props.service;
    const name = service.name;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(resources, `${this.node.path}: 'resources'`);
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`${this.node.path}: 'replicas' must be a whole number >= 1, got ${replicas}`);
    }
    if (props.image.includes('@') || /:[^/]*$/.test(props.image)) {
      throw new Error(`${this.node.path}: 'image' '${props.image}' must have no tag or digest; overlays set the tag`);
    }
    this.selector = { 'app.kubernetes.io/name': name };
    this.labels = { ...this.selector, 'app.kubernetes.io/part-of': props.partOf ?? name };

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels: this.labels },
      automountToken: false,
    });

    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name, labels: this.labels },
      replicas,
      select: false,
      podMetadata: { labels: this.labels },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      // Below port 1024 the safe sysctl lets the non-root process bind (see model/secure-pod.ts).
      securityContext: {
        ensureNonRoot: true,
        user: RUN_AS_USER,
        group: RUN_AS_USER,
        fsGroup: RUN_AS_USER,
        sysctls: unprivilegedPortSysctls([service.port, ...service.shape.sidecars.flatMap((c) => (c.port === undefined ? [] : [c.port]))]),
      },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      containers: [
        {
          name,
          image: props.image,
          // Tags are immutable, so a cached image is always the right one.
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          portNumber: service.port,
          envVariables: {
            ...Object.fromEntries(Object.entries(service.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
            LOG_LEVEL: kplus.EnvValue.fromValue(props.logLevel ?? 'INFO'),
          },
          securityContext: SECURE_CONTAINER,
          resources: containerResources(resources),
          readiness: kplus.Probe.fromHttpGet(service.readinessPath, {
            port: service.port,
            periodSeconds: Duration.seconds(5),
            failureThreshold: 3,
            timeoutSeconds: Duration.seconds(2),
          }),
          startup: kplus.Probe.fromHttpGet(service.startupPath, {
            port: service.port,
            periodSeconds: Duration.seconds(2),
            failureThreshold: 60,
            timeoutSeconds: Duration.seconds(2),
          }),
          liveness: kplus.Probe.fromHttpGet(service.healthPath, {
            port: service.port,
            initialDelaySeconds: Duration.seconds(10),
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
            timeoutSeconds: Duration.seconds(2),
          }),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    this.addShape(service, tmp);
    this.deployment.select(kplus.LabelSelector.of({ labels: this.selector }));
    // cdk8s-plus labels pods with its construct address; the stable app label is the only selector we want.
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));

    this.kubeService = new kplus.Service(this, 'Service', {
      metadata: { name, labels: this.labels },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: service.servicePort, targetPort: service.port, protocol: kplus.Protocol.TCP }],
    });
    for (const [key, value] of Object.entries(this.selector)) this.kubeService.selectLabel(key, value);

    if (service.host) {
      // Looked up, not merged into one object per service: a copy of every port per service is quadratic in the platform's size.
      const portOf = (target: string): number | undefined => (target === name ? service.servicePort : props.servicePorts?.[target]);
      this.ingress = typedObject<IIngress>(this, 'Ingress', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, labels: { ...this.labels } },
        spec: {
          ingressClassName: props.ingressClassName ?? 'nginx',
          // One rule (overlays replace its host per environment), one path per route.
          rules: [
            {
              host: service.host,
              http: {
                paths: service.shape.ingressPaths.map((p) => {
                  const target = p.service ?? name;
                  const port = portOf(target);
                  if (port === undefined) throw new Error(`${this.node.path}: ingress path '${p.path}' routes to service '${target}', whose port is not in 'servicePorts'`);
                  return { path: p.path, pathType: p.pathType, backend: { service: { name: target, port: { number: port } } } };
                }),
              },
            },
          ],
        },
      });
    }

    // PDB and NetworkPolicy are typed from kubernetes-models: cdk8s-plus has no PDB, and its
    // NetworkPolicy API cannot express "any pod of these namespaces" without extra objects.
    typedObject<IPodDisruptionBudget>(this, 'PodDisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels: { ...this.labels } },
      spec: { maxUnavailable: 1, selector: { matchLabels: { ...this.selector } } },
    });

    const namespaces = props.allowedIngressNamespaces ?? ['ingress', 'argo-rollouts'];
    typedObject<INetworkPolicy>(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, labels: { ...this.labels } },
      spec: {
        podSelector: { matchLabels: { ...this.selector } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              { podSelector: {} },
              ...[...namespaces].sort().map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })),
            ],
            ports: [{ protocol: 'TCP', port: service.port }],
          },
        ],
      },
    });
  }

  /** Sidecars, init containers (each with its own /tmp) and the service's volumes, mounted where asked. */
  private addShape(service: ServiceDefinition, tmp: kplus.Volume): void {
    const containers = new Map<string, kplus.Container>([[service.name, this.deployment.containers[0]!]]);
    for (const init of service.shape.initContainers) {
      const container = this.deployment.addInitContainer(helperContainerProps(init));
      container.mount('/tmp', tmp);
      containers.set(init.name, container);
    }
    for (const sidecar of service.shape.sidecars) {
      const container = this.deployment.addContainer({
        ...helperContainerProps(sidecar),
        ...(sidecar.port !== undefined ? { portNumber: sidecar.port } : {}),
        readiness: sidecarProbe(sidecar, 5),
        liveness: sidecarProbe(sidecar, 10),
      });
      container.mount('/tmp', tmp);
      containers.set(sidecar.name, container);
    }
    for (const volume of service.shape.volumes) {
      const id = `Volume-${volume.name}`;
      const source = volume.source;
      const kubeVolume =
        source.kind === 'emptyDir'
          ? kplus.Volume.fromEmptyDir(this, id, volume.name, { sizeLimit: memorySize(source.value) })
          : source.kind === 'configMap'
            ? kplus.Volume.fromConfigMap(this, id, kplus.ConfigMap.fromConfigMapName(this, `${id}-ConfigMap`, source.value), { name: volume.name })
            : kplus.Volume.fromSecret(this, id, kplus.Secret.fromSecretName(this, `${id}-Secret`, source.value), { name: volume.name });
      // ConfigMaps and Secrets are configuration: no container writes them.
      for (const name of volume.containers ?? [service.name]) containers.get(name)!.mount(volume.mountPath, kubeVolume, { readOnly: source.kind !== 'emptyDir' });
    }
  }
}

/** The secure container settings every container of the pod shares with the service's own. */
function helperContainerProps(props: InitContainerProps): kplus.ContainerProps {
  const resources = props.resources ?? HELPER_CONTAINER_RESOURCES;
  return {
    name: props.name,
    image: props.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ...(props.command ? { command: [...props.command] } : {}),
    ...(props.args ? { args: [...props.args] } : {}),
    envVariables: Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
    securityContext: SECURE_CONTAINER,
    resources: containerResources(resources),
  };
}

/** A sidecar's readiness or liveness probe: its check, else a TCP connection to its port. */
function sidecarProbe(sidecar: SidecarProps, periodSeconds: number): kplus.Probe {
  const check = sidecar.check ?? { tcpPort: sidecar.port! };
  const probe = probeOf(check, periodSeconds);
  const options = { periodSeconds: Duration.seconds(periodSeconds), timeoutSeconds: Duration.seconds(2), failureThreshold: 3 };
  if (probe.httpGet) return kplus.Probe.fromHttpGet(String(probe.httpGet.path), { ...options, port: Number(probe.httpGet.port) });
  if (probe.tcpSocket) return kplus.Probe.fromTcpSocket({ ...options, port: Number(probe.tcpSocket.port) });
  return kplus.Probe.fromCommand([...(probe.exec?.command ?? [])], options);
}

/** Every container's security context: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp. */
const SECURE_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: RUN_AS_USER,
  group: RUN_AS_USER,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** Requests and limits as cdk8s-plus takes them. */
function containerResources(resources: ResourceRequirements): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(millis(resources.requests.cpu)), limit: kplus.Cpu.millis(millis(resources.limits.cpu)) },
    memory: { request: memorySize(resources.requests.memory), limit: memorySize(resources.limits.memory) },
  };
}

/** The model has checked every quantity (checkResources), so these parse. */
function millis(cpu: string): number {
  return parseCpuMillis(cpu)!;
}

function memorySize(memory: string): Size {
  const { amount, unit } = parseMemory(memory)!;
  const sizes: Record<MemoryUnit, (n: number) => Size> = { Ki: Size.kibibytes, Mi: Size.mebibytes, Gi: Size.gibibytes, Ti: Size.tebibytes };
  return sizes[unit](amount);
}
