import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ServiceAddons } from '../constructs/service-addons.js';
import { ServiceBase } from '../constructs/service-base.js';
import type { Platform, ServiceDefinition } from '../model/platform.js';

/** Every service's port by name, once per platform: built per chart, the map is quadratic in the number of services. */
const SERVICE_PORTS = new WeakMap<Platform, Readonly<Record<string, number>>>();

function servicePortsOf(platform: Platform): Readonly<Record<string, number>> {
  let ports = SERVICE_PORTS.get(platform);
  if (!ports) {
    ports = Object.fromEntries(platform.services.map((s) => [s.name, s.servicePort]));
    SERVICE_PORTS.set(platform, ports);
  }
  return ports;
}

/** Props of {@link ServiceBaseChart}. */
export interface ServiceBaseChartProps {
  readonly platform: Platform;
  readonly service: ServiceDefinition;
}

/** `manifests/base/<service>/`: the environment-independent objects of one service, and its add-ons placed in the base. */
export class ServiceBaseChart extends Chart {
  public readonly base: ServiceBase;

  public constructor(scope: Construct, id: string, props: ServiceBaseChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    this.base = new ServiceBase(this, props.service.name, {
      service: props.service,
      image: props.platform.imageOf(props.service),
      partOf: props.platform.name,
      ingressClassName: props.platform.ingressClassName,
      allowedIngressNamespaces: props.platform.allowedIngressNamespaces,
      servicePorts: servicePortsOf(props.platform),
    });
    const addons = props.service.addons.filter((a) => a.placement.inBase);
    if (addons.length > 0) {
      new ServiceAddons(this, 'addons', { addons, serviceName: props.service.name, labels: this.base.labels, selector: this.base.selector });
    }
  }
}
