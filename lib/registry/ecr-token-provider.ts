import { execFile } from 'node:child_process';
import type { RegistryAuth, RegistryCredentials } from './registry-auth.js';

/**
 * Source of ECR authorization tokens (ECR's GetAuthorizationToken: user 'AWS', a 12-hour password).
 * The production implementation belongs on the AWS SDK (`@aws-sdk/client-ecr`); this interface lets
 * tests and other runtimes supply their own.
 */
export interface EcrTokenProvider {
  token(region: string): Promise<RegistryCredentials>;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` → region, or undefined if the host is not ECR. */
export function ecrRegion(host: string): string | undefined {
  return /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** Gets the token with the AWS CLI (`aws ecr get-login-password`), which uses the ambient AWS credentials (OIDC role in CI). */
export class AwsCliEcrTokenProvider implements EcrTokenProvider {
  public constructor(private readonly command = 'aws') {}

  public token(region: string): Promise<RegistryCredentials> {
    return new Promise((resolve, reject) => {
      execFile(this.command, ['ecr', 'get-login-password', '--region', region], { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`ECR token: \`${this.command} ecr get-login-password --region ${region}\` failed: ${(stderr || error.message).trim().split('\n')[0]}; configure AWS credentials or set FERRY_REGISTRY_USERNAME/FERRY_REGISTRY_PASSWORD`));
        } else {
          resolve({ username: 'AWS', password: stdout.trim() });
        }
      });
    });
  }
}

/** Registry auth backed by an ECR token provider; the token is fetched once per process. */
export function ecrAuth(provider: EcrTokenProvider, region: string): RegistryAuth {
  let pending: Promise<RegistryCredentials> | undefined;
  return {
    description: `ECR token (${region})`,
    credentials: () => (pending ??= provider.token(region)),
  };
}
