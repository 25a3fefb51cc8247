/**
 * Names and ARNs that several stacks must agree on without reading each other's state: the stack
 * that owns the registry writes a repository policy naming roles that other stacks create later,
 * so those role names are fixed, derived from the platform and cluster or environment names.
 */

/** The parts of an ECR registry host `<account>.dkr.ecr.<region>.amazonaws.com`. */
export interface EcrRegistry {
  readonly host: string;
  readonly account: string;
  readonly region: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/;

/** Splits a platform's `registry` into account and region; throws unless it is a private ECR host. */
export function parseEcrRegistry(registry: string): EcrRegistry {
  const match = ECR_HOST.exec(registry);
  if (!match) {
    throw new Error(
      `platform 'registry' ${JSON.stringify(registry)} is not a private ECR registry host; allowed: <12-digit account>.dkr.ecr.<region>.amazonaws.com, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com`,
    );
  }
  return { host: registry, account: match[1]!, region: match[2]! };
}

/** IAM role names are at most 64 characters. */
const MAX_ROLE_NAME = 64;

function checkRoleName(name: string, what: string): string {
  if (name.length > MAX_ROLE_NAME) {
    throw new Error(`${what} role name '${name}' is ${name.length} characters; IAM allows ${MAX_ROLE_NAME}: shorten the platform, cluster or environment name`);
  }
  return name;
}

/** Role of the MicroK8s host of `cluster`: `<platform>-<cluster>-host`. */
export function hostRoleName(platform: string, cluster: string): string {
  return checkRoleName(`${platform}-${cluster}-host`, `cluster '${cluster}' host`);
}

/** Role the CI workflows of `environment` assume to push images: `<platform>-ci-<environment>`. */
export function ciRoleName(platform: string, environment: string): string {
  return checkRoleName(`${platform}-ci-${environment}`, `environment '${environment}' CI`);
}

/**
 * Role the platform's reusable build workflow assumes when an application repository (listed in
 * `imagePublishers`) calls it: `<platform>-image-publisher`. One per registry, so only the
 * registry-owning stack creates it.
 */
export function imagePublisherRoleName(platform: string): string {
  return checkRoleName(`${platform}-image-publisher`, 'image publisher');
}

/**
 * Role the build workflow assumes on pull requests of the services' `sourceRepository`:
 * `<platform>-preview-publisher`, allowed to push to the `<repository>-preview` repositories only.
 */
export function previewPublisherRoleName(platform: string): string {
  return checkRoleName(`${platform}-preview-publisher`, 'preview publisher');
}

export function roleArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

export function repositoryArn(registry: EcrRegistry, repository: string): string {
  return `arn:aws:ecr:${registry.region}:${registry.account}:repository/${repository}`;
}

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** The reusable workflow application repositories call to build, scan and push an image. */
export const BUILD_IMAGE_WORKFLOW = '.github/workflows/build-image.yaml';

/**
 * The `job_workflow_ref` claim of a job that runs `workflow` of `repository` (`owner/repo`) at any
 * ref: `<owner>/<repo>/<workflow>@*`. The wildcard covers only the ref callers pin `uses:` to.
 */
export function workflowRefPattern(repository: string, workflow: string): string {
  return `${repository}/${workflow}@*`;
}

export function githubOidcProviderArn(account: string): string {
  return `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

const GITHUB_URL = /^(?:https:\/\/github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/;

/** `owner/repo` of a GitHub clone URL, or undefined when the URL is not on github.com. */
export function githubRepositoryOf(repoURL: string): string | undefined {
  const match = GITHUB_URL.exec(repoURL);
  return match ? `${match[1]}/${match[2]}` : undefined;
}
