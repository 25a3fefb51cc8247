/** Public API: model. */
export * from './analysis.js';
export * from './freeze-window.js';
export * from './gate.js';
export * from './helm-chart.js';
export * from './history.js';
export * from './image-tag.js';
export * from './infra-keys.js';
export * from './ownership.js';
export * from './platform.js';
export * from './quantity.js';
export * from './resolve.js';
export * from './rollout-strategy.js';
export * from './service-config.js';
export * from './stack-config.js';
export * from './stack-key.js';
export * from './sync-policy.js';
export * from './traffic-routing.js';
