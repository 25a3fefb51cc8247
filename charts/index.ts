/** Public API: charts. */
export * from './argocd-chart.js';
export * from './environment-overlay-chart.js';
export * from './service-base-chart.js';
