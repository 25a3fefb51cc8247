import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

/** Runs one rule on fake resource inputs and returns the violations it reported. */
export async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>): Promise<string[]> {
  const reported: string[] = [];
  const args = { type, props, urn: `urn:pulumi:test::ferry::${type}::subject`, name: 'subject' } as unknown as ResourceValidationArgs;
  const validate = policy.validateResource;
  for (const fn of Array.isArray(validate) ? validate : [validate!]) await fn(args, (message) => reported.push(message));
  return reported;
}
