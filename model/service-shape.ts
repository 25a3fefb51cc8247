/**
 * The shape of a service's pod and routes beyond its one container: sidecars, init containers,
 * volumes mounted into chosen containers, and several paths per ingress host. Checked here, once,
 * with the service's name in every error; ServiceBase renders them with the secure defaults.
 */
import { isDnsLabel, showValue } from './names.js';
import { checkResources, type ResourceRequirements } from './quantity.js';
import { checkPinnedImage, type ContainerCheck } from './secure-pod.js';

/** Requests and limits of a sidecar or init container unless it sets its own. */
export const HELPER_CONTAINER_RESOURCES: ResourceRequirements = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '200m', memory: '128Mi' },
};

/** An init container: runs to completion before the service's containers start. */
export interface InitContainerProps {
  /** DNS label, distinct from the service's and the other containers' names. */
  readonly name: string;
  /** Image pinned by tag or digest (never 'latest' or untagged). */
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
   * Requests and limits.
   * @default - requests 50m/64Mi, limits 200m/128Mi
   */
  readonly resources?: ResourceRequirements;
}

/** A sidecar: a second long-running container of every pod of the service. */
export interface SidecarProps extends InitContainerProps {
  /**
   * Port it listens on (below 1024 the pod gets the unprivileged-port sysctl).
   * @default - none
   */
  readonly port?: number;
  /**
   * How it tells it is ready and alive (readiness and liveness probes).
   * @default - a TCP connection to `port`; required when there is no port
   */
  readonly check?: ContainerCheck;
}

/** What a volume holds. */
export class VolumeSource {
  /** A scratch directory, empty at pod start, writable. */
  public static emptyDir(sizeLimit = '64Mi'): VolumeSource {
    if (!/^[1-9][0-9]*(Ki|Mi|Gi)$/.test(sizeLimit)) throw new Error(`VolumeSource.emptyDir(): size ${showValue(sizeLimit)} must be like 64Mi or 1Gi`);
    return new VolumeSource('emptyDir', sizeLimit);
  }

  /** The keys of a ConfigMap of the namespace, as files, read-only. */
  public static configMap(name: string): VolumeSource {
    return new VolumeSource('configMap', VolumeSource.objectName(name, 'configMap'));
  }

  /** The keys of a Secret of the namespace, as files, read-only. */
  public static secret(name: string): VolumeSource {
    return new VolumeSource('secret', VolumeSource.objectName(name, 'secret'));
  }

  private static objectName(name: string, factory: string): string {
    if (!isDnsLabel(name, 253)) throw new Error(`VolumeSource.${factory}(): ${showValue(name)} is not an object name (lowercase letters, digits, '-')`);
    return name;
  }

  private constructor(
    public readonly kind: 'emptyDir' | 'configMap' | 'secret',
    /** The size limit of an emptyDir; the object name of a ConfigMap or Secret. */
    public readonly value: string,
  ) {}
}

/** A volume of the service's pods. */
export interface ServiceVolumeProps {
  /** DNS label naming the volume in the pod ('tmp' is the service's own). */
  readonly name: string;
  readonly source: VolumeSource;
  /** Absolute path it is mounted at. */
  readonly mountPath: string;
  /**
   * Containers it is mounted into: the service's (its name), sidecars, init containers.
   * @default - the service's container
   */
  readonly containers?: readonly string[];
}

/** One path of the service's ingress host. */
export interface IngressPathProps {
  /** Absolute HTTP path, e.g. '/api'. */
  readonly path: string;
  /**
   * Service of the platform it routes to (at that service's `servicePort`).
   * @default - this service
   */
  readonly service?: string;
  /**
   * How the path matches.
   * @default 'Prefix'
   */
  readonly pathType?: 'Prefix' | 'Exact';
}

/** The checked shape of a service. */
export interface ServiceShape {
  readonly sidecars: readonly SidecarProps[];
  readonly initContainers: readonly InitContainerProps[];
  readonly volumes: readonly ServiceVolumeProps[];
  /** In declaration order; `[{ path: '/' }]` unless the service lists its own. */
  readonly ingressPaths: readonly (IngressPathProps & { readonly pathType: 'Prefix' | 'Exact' })[];
}

const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** Checks sidecars, init containers, volumes and ingress paths of service `name`. */
export function checkServiceShape(
  name: string,
  props: { sidecars?: unknown; initContainers?: unknown; volumes?: unknown; ingressPaths?: unknown; host?: string },
  where: string,
): ServiceShape {
  const list = <T>(value: unknown, key: string, example: string): T[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => v === null || typeof v !== 'object')) throw new Error(`${where}: '${key}' ${showValue(value)} must be a list like ${example}`);
    return value as T[];
  };
  const sidecars = list<SidecarProps>(props.sidecars, 'sidecars', "[{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', port: 9901 }]");
  const initContainers = list<InitContainerProps>(props.initContainers, 'initContainers', "[{ name: 'wait', image: 'busybox:1.36.1', command: ['true'] }]");
  const containerNames = [name];
  const check = (c: InitContainerProps, key: string) => {
    const at = `${where}: ${key} '${c.name}'`;
    if (!isDnsLabel(c.name)) throw new Error(`${where}: ${key} name ${showValue(c.name)} must be a DNS label`);
    if (containerNames.includes(c.name)) throw new Error(`${at}: the name is taken (the service's container or another sidecar or init container)`);
    containerNames.push(c.name);
    checkPinnedImage(c.image, `${at}: 'image'`);
    if (c.resources !== undefined) checkResources(c.resources, `${at}: 'resources'`);
    for (const [k, v] of Object.entries(c.env ?? {})) {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k) || typeof v !== 'string') throw new Error(`${at}: env ${showValue(k)} must be a variable name (A-Z, 0-9, _) with a string value`);
    }
    return at;
  };
  for (const c of initContainers) check(c, 'init container');
  for (const s of sidecars) {
    const at = check(s, 'sidecar');
    if (s.port !== undefined && (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)) throw new Error(`${at}: 'port' ${showValue(s.port)} must be a whole number from 1 to 65535`);
    if (s.port === undefined && s.check === undefined) throw new Error(`${at}: give it a 'port' or a 'check' (readiness and liveness probes), e.g. { exec: ['/bin/healthy'] }`);
  }

  const volumes = list<ServiceVolumeProps>(props.volumes, 'volumes', "[{ name: 'config', source: VolumeSource.configMap('api-config'), mountPath: '/etc/api' }]");
  const volumeNames = new Set(['tmp']);
  for (const v of volumes) {
    if (!isDnsLabel(v.name)) throw new Error(`${where}: volume name ${showValue(v.name)} must be a DNS label`);
    const at = `${where}: volume '${v.name}'`;
    if (volumeNames.has(v.name)) throw new Error(`${at}: the name is taken${v.name === 'tmp' ? " (the service's own /tmp)" : ''}`);
    volumeNames.add(v.name);
    if (!(v.source instanceof VolumeSource)) throw new Error(`${at}: 'source' ${showValue(v.source)} must be VolumeSource.emptyDir(), VolumeSource.configMap('name') or VolumeSource.secret('name')`);
    if (typeof v.mountPath !== 'string' || !PATH.test(v.mountPath) || v.mountPath === '/' || v.mountPath === '/tmp') throw new Error(`${at}: 'mountPath' ${showValue(v.mountPath)} must be an absolute path other than '/' and '/tmp'`);
    for (const c of v.containers ?? [name]) {
      if (!containerNames.includes(c)) throw new Error(`${at}: 'containers' names ${showValue(c)}, not a container of the service; containers: ${containerNames.join(', ')}`);
    }
  }

  const paths = list<IngressPathProps>(props.ingressPaths, 'ingressPaths', "[{ path: '/api' }, { path: '/', service: 'web' }]");
  if (paths.length > 0 && props.host === undefined) throw new Error(`${where}: 'ingressPaths' needs a 'host' (there is no Ingress without one)`);
  const seen = new Set<string>();
  for (const p of paths) {
    if (typeof p.path !== 'string' || !PATH.test(p.path)) throw new Error(`${where}: ingress path ${showValue(p.path)} must be an absolute HTTP path like '/api'`);
    if (p.pathType !== undefined && p.pathType !== 'Prefix' && p.pathType !== 'Exact') throw new Error(`${where}: ingress path '${p.path}': 'pathType' ${showValue(p.pathType)} is not allowed; allowed: Prefix, Exact`);
    if (seen.has(p.path)) throw new Error(`${where}: ingress path '${p.path}' appears twice`);
    seen.add(p.path);
    if (p.service !== undefined && !isDnsLabel(p.service, 40)) throw new Error(`${where}: ingress path '${p.path}': 'service' ${showValue(p.service)} is not a service name`);
  }
  const ingressPaths = (paths.length > 0 ? paths : [{ path: '/' }]).map((p) => ({ ...p, pathType: p.pathType ?? 'Prefix' }));
  return { sidecars, initContainers, volumes, ingressPaths };
}
