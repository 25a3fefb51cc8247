import YAML from 'yaml';
import { stackFileName } from '../../model/stack-config.js';
import { readFirstParentHistoryAsync } from '../git/first-parent-history.js';
import { Git } from '../git/git.js';

/**
 * Every tag each service has had in one environment's stack file, over the file's first-parent
 * history up to `commit`: "has run there" in GitOps terms, since what the stack file held on the
 * tracked branch is what Argo CD deployed (the same rule as promote's order gate; a tag that was
 * only on a side branch before its merge never ran). The base commit is used, not the working
 * tree, so a pull request that puts the same new tag into stage and prod at once is still flagged
 * for prod.
 */
export async function tagHistory(root: string, commit: string, environment: string, project: string): Promise<Map<string, Set<string>>> {
  const file = stackFileName(environment);
  const tags = new Map<string, Set<string>>();
  const history = (await readFirstParentHistoryAsync(new Git(root), [file], commit)).get(file) ?? [];
  for (const { content } of history) {
    if (content === undefined) continue; // the file was deleted in that commit
    let images: unknown;
    try {
      images = (YAML.parse(content) as { config?: Record<string, unknown> } | null)?.config?.[`${project}:images`];
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
