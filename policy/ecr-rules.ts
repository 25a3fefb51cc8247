import type { ResourceValidationPolicy } from '@pulumi/policy';
import { iamStatements, isPublicPrincipal } from './policy-documents.js';

const REPOSITORY = 'aws:ecr/repository:Repository';

export const ecrImmutableTags: ResourceValidationPolicy = {
  name: 'ecr-immutable-tags',
  description: 'ECR repositories must have immutable tags, so a promoted tag always names the same image.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type !== REPOSITORY) return;
    const value = args.props.imageTagMutability;
    if (value !== 'IMMUTABLE') {
      reportViolation(
        value === undefined
          ? "ECR repository: imageTagMutability is not set (AWS defaults to MUTABLE); set it to 'IMMUTABLE'"
          : `ECR repository: imageTagMutability is ${JSON.stringify(value)}; set it to 'IMMUTABLE'`,
      );
    }
  },
};

export const ecrScanOnPush: ResourceValidationPolicy = {
  name: 'ecr-scan-on-push',
  description: 'ECR repositories must scan every image on push.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type !== REPOSITORY) return;
    const value = args.props.imageScanningConfiguration?.scanOnPush;
    if (value !== true) {
      reportViolation(
        value === undefined
          ? 'ECR repository: imageScanningConfiguration.scanOnPush is not set (AWS defaults to false); set it to true'
          : `ECR repository: imageScanningConfiguration.scanOnPush is ${JSON.stringify(value)}; set it to true`,
      );
    }
  },
};

const KMS_TYPES = ['KMS', 'KMS_DSSE'];

export const ecrKmsEncryption: ResourceValidationPolicy = {
  name: 'ecr-kms-encryption',
  description: 'ECR repositories must be encrypted with KMS.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type !== REPOSITORY) return;
    const configurations = args.props.encryptionConfigurations;
    const type = Array.isArray(configurations) ? configurations[0]?.encryptionType : undefined;
    if (!KMS_TYPES.includes(type)) {
      reportViolation(
        type === undefined
          ? "ECR repository: encryptionConfigurations is not set (AWS defaults to AES256); set [{ encryptionType: 'KMS' }]"
          : `ECR repository: encryptionType is ${JSON.stringify(type)}; set 'KMS' (optionally with kmsKey)`,
      );
    }
  },
};

export const ecrNoPublicAccess: ResourceValidationPolicy = {
  name: 'ecr-no-public-access',
  description: 'No ECR repository policy may allow everyone ("*"), and no public ECR repository may exist.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type === 'aws:ecrpublic/repository:Repository') {
      reportViolation('ECR Public repository: images of this platform must stay private; use a private aws.ecr.Repository');
      return;
    }
    if (args.type !== 'aws:ecr/repositoryPolicy:RepositoryPolicy' && args.type !== 'aws:ecr/registryPolicy:RegistryPolicy') return;
    const statements = iamStatements(args.props.policy);
    if (!statements) {
      reportViolation(`ECR policy: 'policy' is missing or not a readable IAM policy document, so it cannot be shown to be private`);
      return;
    }
    statements.forEach((statement, i) => {
      if (statement.Effect === 'Allow' && isPublicPrincipal(statement.Principal)) {
        reportViolation(`ECR policy: Statement[${i}] allows principal ${JSON.stringify(statement.Principal)}, which is everyone; name the roles or the account instead`);
      }
    });
  },
};
