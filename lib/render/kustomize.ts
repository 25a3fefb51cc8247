import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import YAML from 'yaml';

const run = promisify(execFile);

/** Builds a kustomization folder with the real `kubectl kustomize` and parses every object. */
export async function kustomizeBuild(dir: string): Promise<Record<string, any>[]> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 256 * 1024 * 1024 });
    return YAML.parseAllDocuments(stdout).map((d) => d.toJSON()).filter(Boolean);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error('kubectl not found: install it (Debian: apt-get install kubernetes-client) to build overlays');
    throw new Error(`kubectl kustomize ${dir} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the input order in the result. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
