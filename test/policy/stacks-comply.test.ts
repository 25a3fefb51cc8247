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

test('a weakened instance from the program is caught', async () => {
  const run = await runProgram({ stack: 'prod', config: sampleStackConfig('prod') });
  const instance = run.resources.find((r) => r.type === 'aws:ec2/instance:Instance')!;
  const weakened = { ...instance.inputs, metadataOptions: { ...instance.inputs.metadataOptions, httpTokens: 'optional' } };
  const names: string[] = [];
  for (const policy of FERRY_POLICIES) if ((await violations(policy, instance.type, weakened)).length > 0) names.push(policy.name);
  expect(names).toEqual(['ec2-imdsv2-required']);
});
