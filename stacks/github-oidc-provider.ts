import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './naming.js';

/**
 * The account's IAM OIDC provider for GitHub Actions tokens. An account has at most one per URL,
 * so only the registry-owning stack creates it. No thumbprint: IAM trusts GitHub's OIDC endpoint
 * through its own root CA library.
 */
export class GithubOidcProvider extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  public constructor(name: string, props: { readonly tags?: Readonly<Record<string, string>> } = {}, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:ci:GithubOidcProvider', name, {}, opts);
    const provider = new aws.iam.OpenIdConnectProvider(
      `${name}-provider`,
      { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE], tags: props.tags ?? {} },
      { parent: this },
    );
    this.arn = provider.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
