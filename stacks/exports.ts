/** Public API: the Pulumi components and the program of a platform (`ferry/stacks`). */
export * from './program.js';
export * from './platform-infrastructure.js';
export * from './microk8s-host.js';
export * from './host-network.js';
export * from './github-oidc-provider.js';
export * from './github-oidc-role.js';
export * from './service-repositories.js';
export * from './cloud-init.js';
export * from './cluster-user-data.js';
export * from './infra-settings.js';
