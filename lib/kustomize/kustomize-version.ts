import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { writeCacheFile } from '../fs/cache-file.js';

/** The executable `file` names: itself when it holds a slash, else the first match on PATH. */
export function resolveExecutable(file: string, path = process.env.PATH ?? ''): string | undefined {
  if (file.includes('/')) return isAbsolute(file) ? file : resolve(file);
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, file);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * The version of the kustomize that `command` runs, e.g. `kubectl v1.32.4 kustomize v5.5.0`
 * (`kubectl version --client -o json`) or a standalone kustomize's `version` output; undefined
 * when it cannot be told. Asking costs a process (~0.1 s), so the answer is remembered in
 * `memoFile` by the binary's path, size and modification time: a warm cache runs no process.
 */
export function kustomizeVersion(command: readonly string[], memoFile: string | undefined): string | undefined {
  const binary = resolveExecutable(command[0] ?? '');
  if (binary === undefined) return undefined;
  let identity: string;
  try {
    const stat = statSync(binary);
    identity = `${binary}\0${stat.size}\0${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
  let memo: Record<string, string> = {};
  if (memoFile !== undefined) {
    try {
      const stored = JSON.parse(readFileSync(memoFile, 'utf8')) as unknown;
      if (stored && typeof stored === 'object' && !Array.isArray(stored)) memo = stored as Record<string, string>;
    } catch {
      // no memo yet, or unreadable: ask the binary
    }
    const known = memo[identity];
    if (typeof known === 'string' && known !== '') return known;
  }
  let version: string | undefined;
  try {
    if (basename(binary) === 'kubectl') {
      const out = JSON.parse(execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] })) as {
        clientVersion?: { gitVersion?: string };
        kustomizeVersion?: string;
      };
      if (out.kustomizeVersion) version = `kubectl ${out.clientVersion?.gitVersion ?? '?'} kustomize ${out.kustomizeVersion}`;
    } else {
      version = execFileSync(binary, ['version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    }
  } catch {
    return undefined;
  }
  if (version !== undefined && memoFile !== undefined) writeCacheFile(memoFile, JSON.stringify({ ...memo, [identity]: version }));
  return version;
}
