import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import YAML from 'yaml';

const run = promisify(execFile);

/** Builds a kustomization folder with the real `kubectl kustomize` and parses every object. */
export async function kustomizeBuild(dir: string): Promise<Record<string, any>[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return YAML.parseAllDocuments(stdout).map((d) => d.toJSON()).filter(Boolean);
}
