import { showValue } from './names.js';

/** Options of {@link TrafficRouting.nginx}. */
export interface NginxTrafficRoutingOptions {
  /**
   * Annotation prefix of the ingress-nginx controller the cluster runs.
   * @default 'nginx.ingress.kubernetes.io'
   */
  readonly annotationPrefix?: string;
}

const ANNOTATION_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * How a canary's weight reaches users. `nginx` has the ingress controller split requests between
 * the stable and canary Services through a canary copy of the service's Ingress (exact weights,
 * needs the service's `host`); `replicaRatio` has no router: the weight is approximated by the
 * ratio of canary to stable pods behind the one Service. Istio, SMI or traefik would be further
 * factories here.
 */
export class TrafficRouting {
  /** The ingress-nginx controller (MicroK8s' `ingress` addon) routes through the service's Ingress. */
  public static nginx(options: NginxTrafficRoutingOptions = {}): TrafficRouting {
    const annotationPrefix = options.annotationPrefix ?? 'nginx.ingress.kubernetes.io';
    if (typeof annotationPrefix !== 'string' || annotationPrefix.length > 253 || !ANNOTATION_PREFIX.test(annotationPrefix)) {
      throw new Error(`TrafficRouting.nginx: 'annotationPrefix' ${showValue(annotationPrefix)} must be a DNS subdomain like 'nginx.ingress.kubernetes.io'`);
    }
    return new TrafficRouting('nginx', annotationPrefix);
  }

  /** No router: the weight is the share of canary pods; works without an Ingress. */
  public static replicaRatio(): TrafficRouting {
    return new TrafficRouting('replica-ratio', undefined);
  }

  private constructor(
    /** Which router shifts the traffic. */
    public readonly kind: 'nginx' | 'replica-ratio',
    /** Annotation prefix of the nginx controller; undefined for other kinds. */
    public readonly annotationPrefix: string | undefined,
  ) {}

  /** Whether a router (rather than the pod count) sets the weight: needed by setCanaryScale and dynamicStableScale. */
  public get routesTraffic(): boolean {
    return this.kind !== 'replica-ratio';
  }

  /** Whether the router needs the service's Ingress (and so its `host`). */
  public get needsIngress(): boolean {
    return this.kind === 'nginx';
  }

  /** "nginx", "replica ratio": for tables and messages. */
  public describe(): string {
    return this.kind === 'nginx' ? 'nginx' : 'replica ratio';
  }
}
