/**
 * The Pulumi program (Pulumi.yaml `main`, compiled to dist/stacks/index.js). The stack name is the
 * environment: `pulumi up -s dev` brings up what dev needs. Config is read through pulumi.Config and
 * validated by the renderer's schema (lib/config/stack-config.ts).
 */
import * as pulumi from '@pulumi/pulumi';
import { parseStackConfig, stackFileName } from '../model/stack-config.js';
import { platform } from '../platform/platform.js';
import { definePlatformInfrastructure } from './platform-infrastructure.js';
import { projectConfigValues } from './pulumi-config.js';

export default async function main() {
  const project = pulumi.getProject();
  const environment = pulumi.getStack();
  const env = platform.environments.find((e) => e.name === environment);
  if (!env) {
    throw new Error(`stack '${environment}' is not an environment of platform '${platform.name}'; each stack is one environment: ${platform.promotionOrder()}`);
  }
  const config = parseStackConfig(projectConfigValues(project), { file: stackFileName(environment), project, platform, environment: env });
  return definePlatformInfrastructure({ platform, environment, config, project });
}
