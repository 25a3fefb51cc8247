import * as pulumi from '@pulumi/pulumi';

/**
 * Pulumi hands every config value to the program as a string; objects and lists arrive as JSON.
 * Decoding JSON first and falling back to the raw string gives the same values the renderer reads
 * from the YAML stack file.
 */
export function decodeConfigValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Every `<project>:<key>` value of the running stack, read through pulumi.Config, keyed without prefix. */
export function projectConfigValues(project: string): Record<string, unknown> {
  const config = new pulumi.Config(project);
  const prefix = `${project}:`;
  const values: Record<string, unknown> = {};
  for (const fullKey of Object.keys(pulumi.runtime.allConfig()).sort()) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = decodeConfigValue(config.require(key));
  }
  return values;
}
