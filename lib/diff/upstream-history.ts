import { stackFileName } from '../../model/stack-config.js';
import { Git } from '../git/git.js';
import { StackHistory } from '../promote/stack-history.js';

/**
 * Every tag each service has had in one environment's stack file, over the file's first-parent
 * history up to `commit`: "has run there" in GitOps terms, since what the stack file held on the
 * tracked branch is what Argo CD deployed (the same rule as promote's order gate; a tag that was
 * only on a side branch before its merge never ran). The base commit is used, not the working
 * tree, so a pull request that puts the same new tag into stage and prod at once is still flagged
 * for prod. Read as promote reads it (lib/promote/stack-history.ts): a line scanner, and the
 * history cache under `.git/ferry/`, so a revision is read once however large the file.
 */
export async function tagHistory(root: string, commit: string, environment: string, project: string): Promise<Map<string, Set<string>>> {
  const tags = new Map<string, Set<string>>();
  const histories = await StackHistory.readAllAsync(new Git(root), [{ environment, file: stackFileName(environment) }], project, commit);
  for (const revision of histories.get(environment)?.revisions ?? []) {
    for (const [service, tag] of Object.entries(revision.images)) {
      let set = tags.get(service);
      if (!set) tags.set(service, (set = new Set()));
      set.add(tag);
    }
  }
  return tags;
}
