/** The policy pack passes every resource the sample stacks create, and catches a weakened one. */
import { FERRY_POLICIES } from '../../policy/policies.js';
import { runProgram, sampleStackConfig } from '../stacks/mocks.js';
import { violations } from './harness.js';

test.each(['dev', 'stage', 'prod'])('stack %s violates no policy', async (stack) => {
  const run = await runProgram({ stack, config: sampleStackConfig(stack) });
  const found: string[] = [];
  for (const resource of run.resources) {
    for (const policy of FERRY_POLICIES) {
      for (const message of await violations(policy, resource.type, resource.inputs)) found.push(`${resource.name} ${policy.name}: ${message}`);
    }
  }
  expect(found).toEqual([]);
  expect(run.resources.length).toBeGreaterThan(2);
});

test('dev with ferry:imagePublishers violates no policy, and a loosened publisher trust is caught', async () => {
  const run = await runProgram({ stack: 'dev', config: { ...sampleStackConfig('dev'), 'ferry:imagePublishers': '["example-org/api"]' } });
  const found: string[] = [];
  for (const resource of run.resources) {
    for (const policy of FERRY_POLICIES) {
      for (const message of await violations(policy, resource.type, resource.inputs)) found.push(`${resource.name} ${policy.name}: ${message}`);
    }
  }
  expect(found).toEqual([]);
  const role = run.resources.find((r) => r.name === 'shop-image-publisher-role')!;
  const trust = JSON.parse(role.inputs.assumeRolePolicy);
  trust.Statement[0].Condition.StringLike['token.actions.githubusercontent.com:job_workflow_ref'] = '*/.github/workflows/build-image.yaml@*';
  const names: string[] = [];
  for (const policy of FERRY_POLICIES) if ((await violations(policy, role.type, { ...role.inputs, assumeRolePolicy: JSON.stringify(trust) })).length > 0) names.push(policy.name);
  expect(names).toEqual(['github-oidc-trust-pinned']);
});

test('a weakened instance from the program is caught', async () => {
  const run = await runProgram({ stack: 'prod', config: sampleStackConfig('prod') });
  const instance = run.resources.find((r) => r.type === 'aws:ec2/instance:Instance')!;
  const weakened = { ...instance.inputs, metadataOptions: { ...instance.inputs.metadataOptions, httpTokens: 'optional' } };
  const names: string[] = [];
  for (const policy of FERRY_POLICIES) if ((await violations(policy, instance.type, weakened)).length > 0) names.push(policy.name);
  expect(names).toEqual(['ec2-imdsv2-required']);
});
