import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import { Chart, Testing } from 'cdk8s';
test('x', () => {
  const c = new Chart(Testing.app(), 'c');
  expect(Testing.synth(c)).toEqual([]);
  expect(() => new Rollout({ metadata: { name: 'x' }, spec: {} as any }).validate()).toThrow();
});
