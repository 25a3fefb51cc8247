import YAML from 'yaml';
import { stackFileName } from '../../model/stack-config.js';
import { catFileBatch, gitAsync } from './base-revision.js';

/**
 * Every tag each service has had in one environment's stack file, over the file's history up to
 * `commit`: "has run there" in GitOps terms, since what the stack file held is what Argo CD
 * deployed. The base commit is used, not the working tree, so a pull request that puts the same
 * new tag into stage and prod at once is still flagged for prod.
 */
export async function tagHistory(root: string, commit: string, environment: string, project: string): Promise<Map<string, Set<string>>> {
  const file = stackFileName(environment);
  const tags = new Map<string, Set<string>>();
  const commits = (await gitAsync(root, ['log', '--format=%H', commit, '--', file])).split('\n').filter(Boolean);
  if (commits.length === 0) return tags;
  const versions = catFileBatch(await gitAsync(root, ['cat-file', '--batch'], commits.map((c) => `${c}:${file}\n`).join('')));
  for (const text of versions) {
    if (text === undefined) continue; // the file was deleted in that commit
    let images: unknown;
    try {
      images = (YAML.parse(text) as { config?: Record<string, unknown> } | null)?.config?.[`${project}:images`];
    } catch {
      continue; // a broken historic version ran nowhere
    }
    if (typeof images !== 'object' || images === null) continue;
    for (const [service, tag] of Object.entries(images as Record<string, unknown>)) {
      if (typeof tag !== 'string') continue;
      let set = tags.get(service);
      if (!set) tags.set(service, (set = new Set()));
      set.add(tag);
    }
  }
  return tags;
}
