import type { StackConfig } from './stack-config.js';
import type { ConfigEntry } from './service-config.js';
import type { Environment, LogLevel, Platform, ResourceRequirements, ServiceDefinition } from './platform.js';

/** What one service runs with in one environment: profile, then stack overrides, then per-service overrides. */
export interface ResolvedService {
  readonly service: ServiceDefinition;
  readonly tag: string;
  readonly digest: string | undefined;
  readonly replicas: number;
  readonly logLevel: LogLevel;
  readonly resources: ResourceRequirements;
  /** The service's config in this environment, defaults applied: variable → value or Secret reference. */
  readonly config: Readonly<Record<string, ConfigEntry>>;
}

/** One environment with its stack config applied. */
export interface ResolvedEnvironment {
  readonly environment: Environment;
  readonly config: StackConfig;
  /** In the platform's service order (by name). */
  readonly services: readonly ResolvedService[];
}

export function resolveEnvironment(platform: Platform, environment: Environment, config: StackConfig): ResolvedEnvironment {
  return {
    environment,
    config,
    services: platform.services.map((service) => {
      const own = config.services[service.name] ?? {};
      return {
        service,
        tag: config.images[service.name]!,
        digest: config.digests[service.name],
        replicas: own.replicas ?? config.replicas ?? environment.replicas,
        logLevel: own.logLevel ?? config.logLevel ?? environment.logLevel,
        resources: own.resources ?? config.resources ?? environment.resources,
        config: config.config?.[service.name] ?? {},
      };
    }),
  };
}
