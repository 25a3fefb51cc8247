import type { Platform, ServiceDefinition } from '../../model/platform.js';
import type { ImageRegistry } from '../promote/promotion.js';
import { registryEndpoint, repositoryPath, type RegistryEndpoint, type RegistryEndpointOptions } from './registry-endpoint.js';

/** The platform's images in an OCI registry: each service's `repository`, tags and digests. */
export class OciImageRegistry implements ImageRegistry {
  public static forPlatform(platform: Platform, options: RegistryEndpointOptions = {}): OciImageRegistry {
    return new OciImageRegistry(platform.registry, registryEndpoint(platform.registry, options));
  }

  public constructor(
    /** The registry as the platform names it, used in references. */
    private readonly registry: string,
    public readonly endpoint: RegistryEndpoint,
  ) {}

  public reference(service: ServiceDefinition, tag: string): string {
    const url = this.endpoint.client.baseUrl;
    const where = url === `https://${this.endpoint.host}` ? '' : ` (at ${url})`;
    return `${this.registry}/${service.repository}:${tag}${where}`;
  }

  public digest(service: ServiceDefinition, tag: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.endpoint.client.manifestDigest(repositoryPath(this.endpoint, service.repository), tag, { signal });
  }

  public retag(service: ServiceDefinition, from: string, to: string): Promise<string> {
    return this.endpoint.client.retag(repositoryPath(this.endpoint, service.repository), from, to);
  }
}
