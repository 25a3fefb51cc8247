/**
 * ferry: the engine of a GitOps delivery platform. A platform repository's platform/platform.ts
 * imports what it needs from here: the model (Platform, Environment, Profiles, RolloutStrategy,
 * SyncPolicy), the constructs, the charts and the promotion gates.
 */
export * from './model/index.js';
export * from './constructs/index.js';
export * from './charts/index.js';
export * from './lib/promote/gates.js';
