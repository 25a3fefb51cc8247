/** Public API: constructs. */
export * from './analysis-template.js';
export * from './app-project.js';
export * from './environment-application-set.js';
export * from './health-check-analysis.js';
export * from './helm-application.js';
export * from './model-object.js';
export * from './notifications-config.js';
export * from './preview-application-set.js';
export * from './progressive-rollout.js';
export * from './service-base.js';
