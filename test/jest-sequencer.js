// Jest's testSequencer: the slowest suites first, so two workers finish together instead of one
// running a 50-second suite alone at the end. Jest orders by the durations it cached from the last
// run; a fresh clone (CI) has no cache and jest would fall back to file size, which puts quick
// suites with long tables before slow ones that spawn processes. The durations below (seconds)
// stand in for the cache then: from the last fresh-clone CI run (two workers, 2026-12-02 07:11,
// jest 526 s in all, 1,467 tests).
// A suite not listed counts as quick and runs after them, the larger file first.
// Failed suites of the last run still go first.
import { relative } from 'node:path';
import Sequencer from '@jest/test-sequencer';

/** The suites that took 8 s or more, by path from the repository root. */
export const SLOW_SUITES = {
  'test/extending/sample-repository.test.ts': 82,
  'test/promote/concurrent-push.test.ts': 74,
  'test/package/pack-install.test.ts': 72,
  'test/render/incremental-render.test.ts': 70,
  'test/diff/diff-command.test.ts': 59,
  'test/kustomize/build-cache-reports.test.ts': 56,
  'test/fs/crash-sweep.test.ts': 62,
  'test/diff/tag-only-diff.test.ts': 36,
  'test/cli/output-flush.test.ts': 31,
  'test/kustomize/parse-objects.test.ts': 27,
  'test/promote/delivery-failures.test.ts': 26,
  'test/promote/merge-strategies.test.ts': 24,
  'test/promote/promote.test.ts': 23,
  'test/render/render.test.ts': 20,
  'test/promote/gates.test.ts': 18,
  'test/kustomize/build-cache.test.ts': 17,
  'test/promote/conflict-free.test.ts': 17,
  'test/promote/verification.test.ts': 16,
  'test/examples/examples.test.ts': 16,
  'test/architecture/layering.test.ts': 16,
  'test/promote/status-history-rollback.test.ts': 16,
  'test/promote/config-promotion.test.ts': 15,
  'test/ci/verify-dispatch.test.ts': 15,
  'test/render/services-render.test.ts': 15,
  'test/render/pre-stage-render.test.ts': 12,
  'test/promote/graph-promotion.test.ts': 15,
  'test/kustomize/kustomize-runner.test.ts': 14,
  'test/helpers/resident-ferry.test.ts': 13,
  'test/ci/promote-dev.test.ts': 10,
  'test/render/replica-ownership.test.ts': 9,
  'test/stacks/program.test.ts': 8,
  'test/render/canary-prometheus.test.ts': 8,
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
