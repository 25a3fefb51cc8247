// Jest's testSequencer: the slowest suites first, so two workers finish together instead of one
// running a 50-second suite alone at the end. Jest orders by the durations it cached from the last
// run; a fresh clone (CI) has no cache and jest would fall back to file size, which puts quick
// suites with long tables before slow ones that spawn processes. The durations below (seconds)
// stand in for the cache then: from the last whole run (two workers, a quiet machine; examples,
// diff-command, tag-only-diff, build-cache-reports and merge-strategies scaled by how much CPU
// their later changes saved, see docs/performance.md), the suites from gates down from an earlier
// one-worker CI run. A suite not listed counts as quick and runs after them, the larger file
// first. Failed suites of the last run still go first.
import { relative } from 'node:path';
import Sequencer from '@jest/test-sequencer';

/** The suites that took 10 s or more, by path from the repository root. */
export const SLOW_SUITES = {
  'test/render/incremental-render.test.ts': 182,
  'test/promote/concurrent-push.test.ts': 85,
  'test/extending/sample-repository.test.ts': 73,
  'test/package/pack-install.test.ts': 65,
  'test/fs/crash-sweep.test.ts': 56,
  'test/diff/tag-only-diff.test.ts': 44,
  'test/kustomize/build-cache-reports.test.ts': 43,
  'test/diff/diff-command.test.ts': 41,
  'test/cli/output-flush.test.ts': 24,
  'test/promote/config-promotion.test.ts': 24,
  'test/kustomize/parse-objects.test.ts': 24,
  'test/promote/merge-strategies.test.ts': 21,
  'test/examples/examples.test.ts': 19,
  'test/promote/gates.test.ts': 25,
  'test/promote/verification.test.ts': 21,
  'test/promote/promote.test.ts': 20,
  'test/promote/status-history-rollback.test.ts': 19.5,
  'test/promote/delivery-failures.test.ts': 19,
  'test/render/render.test.ts': 18,
  'test/promote/conflict-free.test.ts': 17,
  'test/promote/graph-promotion.test.ts': 11,
};

export default class SlowestFirstSequencer extends (Sequencer.default ?? Sequencer) {
  sort(tests) {
    const seconds = (test) => {
      const cached = this.time(test);
      return cached !== undefined ? cached / 1000 : SLOW_SUITES[relative(test.context.config.rootDir, test.path)] ?? 0;
    };
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    return [...tests].sort((a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || seconds(b) - seconds(a) || size(b) - size(a));
  }
}
