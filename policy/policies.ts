/** Every rule of the ferry policy pack; each is mandatory and treats a missing setting as failing. */
import type { ResourceValidationPolicy } from '@pulumi/policy';
import { ec2DetailedMonitoring, ec2EncryptedVolumes, ec2Imdsv2Required, noPublicAdminIngress, noSecretsInUserData } from './ec2-rules.js';
import { ecrImmutableTags, ecrKmsEncryption, ecrNoPublicAccess, ecrScanOnPush } from './ecr-rules.js';
import { githubOidcTrustPinned } from './oidc-rules.js';

export const FERRY_POLICIES: readonly ResourceValidationPolicy[] = [
  ecrImmutableTags,
  ecrScanOnPush,
  ecrKmsEncryption,
  ecrNoPublicAccess,
  ec2Imdsv2Required,
  ec2EncryptedVolumes,
  ec2DetailedMonitoring,
  noPublicAdminIngress,
  noSecretsInUserData,
  githubOidcTrustPinned,
];
