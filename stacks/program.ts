/**
 * The Pulumi program of a platform, as a function of its definition: a platform repository's
 * stacks/index.ts is `export default platformProgram(platform)`. The stack name is the environment.
 * Config is read through pulumi.Config and validated by the same schema the renderer uses.
 */
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../model/platform.js';
import { parseStackConfig, stackFileName } from '../model/stack-config.js';
import { definePlatformInfrastructure } from './platform-infrastructure.js';
import { projectConfigValues } from './pulumi-config.js';

/** The program `pulumi up -s <env>` runs for `platform`. */
export function platformProgram(platform: Platform): () => ReturnType<typeof definePlatformInfrastructure> {
  return async () => {
    const project = pulumi.getProject();
    const environment = pulumi.getStack();
    const env = platform.environments.find((e) => e.name === environment);
    if (!env) {
      throw new Error(`stack '${environment}' is not an environment of platform '${platform.name}'; each stack is one environment: ${platform.promotionOrder()}`);
    }
    const config = parseStackConfig(projectConfigValues(project), { file: stackFileName(environment), project, platform, environment: env });
    return definePlatformInfrastructure({ platform, environment, config, project });
  };
}
