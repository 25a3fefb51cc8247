import { RolloutStrategy } from '../../model/rollout-strategy.js';
import { Analysis } from '../../model/analysis.js';
import { TrafficRouting } from '../../model/traffic-routing.js';

describe('RolloutStrategy.rollingUpdate', () => {
  test('is not progressive', () => {
    expect(RolloutStrategy.rollingUpdate().progressive).toBe(false);
  });
  test('maxSurge defaults to 25%', () => {
    expect(RolloutStrategy.rollingUpdate().rollingUpdate.maxSurge).toBe('25%');
  });
  test('maxUnavailable defaults to 0', () => {
    expect(RolloutStrategy.rollingUpdate().rollingUpdate.maxUnavailable).toBe(0);
  });
  test('uses no analysis', () => {
    expect(RolloutStrategy.rollingUpdate().usesAnalysis).toBe(false);
  });
  test('asking for the options of another kind throws', () => {
    expect(() => RolloutStrategy.rollingUpdate().blueGreen).toThrow("RolloutStrategy: this is a 'rolling-update' strategy, not 'blue-green'");
  });
});

describe('RolloutStrategy.blueGreen', () => {
  test('is progressive', () => {
    expect(RolloutStrategy.blueGreen().progressive).toBe(true);
  });
  test('autoPromotionEnabled defaults to false', () => {
    expect(RolloutStrategy.blueGreen().blueGreen.autoPromotionEnabled).toBe(false);
  });
  test('scaleDownDelaySeconds defaults to 30', () => {
    expect(RolloutStrategy.blueGreen().blueGreen.scaleDownDelaySeconds).toBe(30);
  });
  test('previewReplicaCount defaults to the full count', () => {
    expect(RolloutStrategy.blueGreen().blueGreen.previewReplicaCount).toBeUndefined();
  });
  test('prePromotionAnalysis defaults to true', () => {
    expect(RolloutStrategy.blueGreen().blueGreen.prePromotionAnalysis).toBe(true);
  });
  test('postPromotionAnalysis defaults to true', () => {
    expect(RolloutStrategy.blueGreen().blueGreen.postPromotionAnalysis).toBe(true);
  });
  test('uses analysis unless both analyses are off', () => {
    expect(RolloutStrategy.blueGreen().usesAnalysis).toBe(true);
    expect(RolloutStrategy.blueGreen({ prePromotionAnalysis: false, postPromotionAnalysis: false }).usesAnalysis).toBe(false);
  });
  test('describe', () => {
    expect(RolloutStrategy.blueGreen().describe()).toBe('blue-green (manual promotion)');
    expect(RolloutStrategy.blueGreen({ autoPromotionEnabled: true }).describe()).toBe('blue-green (auto promotion)');
  });
  test('a negative scaleDownDelaySeconds throws', () => {
    expect(() => RolloutStrategy.blueGreen({ scaleDownDelaySeconds: -1 })).toThrow(
      "RolloutStrategy.blueGreen: 'scaleDownDelaySeconds' must be a whole number of seconds >= 0, got -1",
    );
  });
  test('a zero previewReplicaCount throws', () => {
    expect(() => RolloutStrategy.blueGreen({ previewReplicaCount: 0 })).toThrow(
      "RolloutStrategy.blueGreen: 'previewReplicaCount' must be a whole number >= 1, got 0",
    );
  });
});

describe('RolloutStrategy.canary', () => {
  test('default steps: 20% with analysis, 50% for 2 minutes, 100%', () => {
    expect(RolloutStrategy.canary().canary.steps).toEqual([{ setWeight: 20 }, { analysis: true }, { setWeight: 50 }, { pause: { duration: '2m' } }, { setWeight: 100 }]);
  });
  test('maxSurge defaults to 25%', () => {
    expect(RolloutStrategy.canary().canary.maxSurge).toBe('25%');
  });
  test('uses analysis only with an analysis step', () => {
    expect(RolloutStrategy.canary().usesAnalysis).toBe(true);
    expect(RolloutStrategy.canary({ steps: [{ setWeight: 50 }, { setWeight: 100 }] }).usesAnalysis).toBe(false);
  });
  test('describe', () => {
    expect(RolloutStrategy.canary().describe()).toBe('canary (5 steps)');
  });
  test('empty steps throw', () => {
    expect(() => RolloutStrategy.canary({ steps: [] })).toThrow("RolloutStrategy.canary: 'steps' must not be empty");
  });
  test('a weight above 100 throws', () => {
    expect(() => RolloutStrategy.canary({ steps: [{ setWeight: 120 }] })).toThrow("RolloutStrategy.canary: 'steps[0].setWeight' must be a whole number from 1 to 100, got 120");
  });
  test('a falling weight throws', () => {
    expect(() => RolloutStrategy.canary({ steps: [{ setWeight: 50 }, { setWeight: 20 }] })).toThrow(
      "RolloutStrategy.canary: 'steps[1].setWeight' 20 is below the previous weight 50; weights only grow",
    );
  });
  test('a malformed pause throws', () => {
    expect(() => RolloutStrategy.canary({ steps: [{ pause: { duration: 'ten minutes' } }] })).toThrow(
      "RolloutStrategy.canary: 'steps[0].pause.duration' must look like 30s, 5m or 1h, got 'ten minutes'",
    );
  });
});

describe('RolloutStrategy.canary, routing and analysis', () => {
  const successRate = Analysis.prometheus({ name: 'success-rate', query: 'x{s="{{args.service-name}}"}[{{args.window}}]', successCondition: 'result[0] >= 0.95' });

  test('routes through nginx by default, maxUnavailable 0, the health check for analysis steps, no background analysis', () => {
    const canary = RolloutStrategy.canary().canary;
    expect(canary.trafficRouting.kind).toBe('nginx');
    expect([canary.maxUnavailable, canary.dynamicStableScale, canary.antiAffinity, canary.backgroundAnalysis]).toEqual([0, false, false, undefined]);
    expect(canary.analysis.map((a) => `${a.kind}/${a.name}`)).toEqual(['web/health-check']);
    expect(RolloutStrategy.canary().analyses.map((a) => a.name)).toEqual(['health-check']);
  });
  test('a manual pause, setCanaryScale and background analysis are taken; analyses lists each analysis once', () => {
    const strategy = RolloutStrategy.canary({
      steps: [{ setCanaryScale: { weight: 10 } }, { setWeight: 10 }, { analysis: true }, { pause: {} }, { analysis: [successRate] }, { setWeight: 100 }],
      backgroundAnalysis: { analysis: [successRate], startingStep: 1 },
      analysisArgs: { window: '5m' },
    });
    expect(strategy.canary.backgroundAnalysis).toEqual({ analysis: [successRate], startingStep: 1 });
    expect(strategy.analyses.map((a) => a.name)).toEqual(['health-check', 'success-rate']);
    expect(strategy.canary.analysisArgs).toEqual({ window: '5m' });
  });
  test('background analysis defaults to the strategy analysis from step 0', () => {
    expect(RolloutStrategy.canary({ backgroundAnalysis: {} }).canary.backgroundAnalysis).toEqual({ analysis: [Analysis.web()], startingStep: 0 });
  });
  test('setCanaryScale and dynamicStableScale need traffic routing', () => {
    expect(() => RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio(), steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 100 }] })).toThrow(
      "RolloutStrategy.canary: 'steps[0].setCanaryScale' needs traffic routing, but 'trafficRouting' is TrafficRouting.replicaRatio() (the pod count is the weight); use TrafficRouting.nginx()",
    );
    expect(() => RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio(), dynamicStableScale: true })).toThrow(
      "RolloutStrategy.canary: 'dynamicStableScale' true needs traffic routing, but 'trafficRouting' is TrafficRouting.replicaRatio(); use TrafficRouting.nginx()",
    );
  });
  test('a setCanaryScale with two settings throws', () => {
    expect(() => RolloutStrategy.canary({ steps: [{ setCanaryScale: { weight: 10, replicas: 2 } }] })).toThrow(
      "RolloutStrategy.canary: 'steps[0].setCanaryScale' {\"weight\":10,\"replicas\":2} must be exactly one of { weight }, { replicas }, { matchTrafficWeight: true }",
    );
  });
  test('maxSurge and maxUnavailable both zero throw', () => {
    expect(() => RolloutStrategy.canary({ maxSurge: 0 })).toThrow("RolloutStrategy.canary: 'maxSurge' 0 and 'maxUnavailable' 0 are both zero; the rollout could never replace a pod");
  });
  test('a startingStep past the last step throws', () => {
    expect(() => RolloutStrategy.canary({ backgroundAnalysis: { startingStep: 5 } })).toThrow("RolloutStrategy.canary: 'backgroundAnalysis.startingStep' must be a step index from 0 to 4, got 5");
  });
  test('an argument no analysis reads, a built-in one, or one nobody gives throws', () => {
    expect(() => RolloutStrategy.canary({ analysisArgs: { window: '5m' } })).toThrow("RolloutStrategy.canary: 'analysisArgs.window' is read by no analysis of the strategy; arguments read: none");
    expect(() => RolloutStrategy.canary({ backgroundAnalysis: { analysis: [successRate] }, analysisArgs: { 'service-name': 'x', window: '1m' } })).toThrow(
      "RolloutStrategy.canary: 'analysisArgs.service-name' is set by ferry (the measured Service and its namespace); remove it",
    );
    expect(() => RolloutStrategy.canary({ backgroundAnalysis: { analysis: [successRate] } })).toThrow(
      "RolloutStrategy.canary: analysis 'success-rate' reads {{args.window}}, which neither its 'defaultArgs' nor the strategy's 'analysisArgs' gives",
    );
  });
  test('two different analyses of one name throw', () => {
    const other = Analysis.prometheus({ name: 'success-rate', query: 'up', successCondition: 'result[0] == 1' });
    expect(() => RolloutStrategy.canary({ steps: [{ analysis: [other] }], backgroundAnalysis: { analysis: [successRate] }, analysisArgs: { window: '1m' } })).toThrow(
      "RolloutStrategy: two different analyses are named 'success-rate'; give one a 'name' of its own (each becomes the AnalysisTemplate <service>-<name>)",
    );
  });
  test('an analysis step that is neither true nor a list of analyses throws', () => {
    expect(() => RolloutStrategy.canary({ steps: [{ analysis: false as never }] })).toThrow(
      "RolloutStrategy.canary: 'steps[0].analysis' false must be true (the strategy's 'analysis') or a non-empty list of analyses",
    );
    expect(() => RolloutStrategy.canary({ steps: [{ analysis: [] }] })).toThrow("RolloutStrategy.canary: 'steps[0].analysis' [] must be true (the strategy's 'analysis') or a non-empty list of analyses");
  });
  test('an unknown step throws', () => {
    expect(() => RolloutStrategy.canary({ steps: [{ setWeight: 10, pause: {} } as never] })).toThrow(
      "RolloutStrategy.canary: 'steps[0]' {\"setWeight\":10,\"pause\":{}} must be one of { setWeight }, { pause }, { setCanaryScale }, { analysis }",
    );
  });
});

describe('RolloutStrategy.blueGreen, completeness', () => {
  test('autoPromotionSeconds turns automatic promotion on', () => {
    const bg = RolloutStrategy.blueGreen({ autoPromotionSeconds: 300 }).blueGreen;
    expect([bg.autoPromotionEnabled, bg.autoPromotionSeconds]).toEqual([true, 300]);
  });
  test('autoPromotionSeconds with autoPromotionEnabled false throws, quoting both', () => {
    expect(() => RolloutStrategy.blueGreen({ autoPromotionSeconds: 300, autoPromotionEnabled: false })).toThrow(
      "RolloutStrategy.blueGreen: 'autoPromotionSeconds' 300 promotes automatically, but 'autoPromotionEnabled' is false; drop one of them",
    );
  });
  test('previewIngress and antiAffinity default to false', () => {
    const bg = RolloutStrategy.blueGreen().blueGreen;
    expect([bg.previewIngress, bg.antiAffinity, bg.autoPromotionSeconds]).toEqual([false, false, undefined]);
  });
  test('true analyses are the health check; lists name their own', () => {
    const smoke = Analysis.job({ name: 'smoke', image: 'r.example.com/smoke:v1', command: ['/smoke'] });
    const bg = RolloutStrategy.blueGreen({ prePromotionAnalysis: [smoke] }).blueGreen;
    expect(bg.prePromotionAnalyses).toEqual([smoke]);
    expect(bg.postPromotionAnalyses.map((a) => a.name)).toEqual(['health-check']);
    expect(RolloutStrategy.blueGreen({ prePromotionAnalysis: [smoke] }).analyses.map((a) => a.name)).toEqual(['smoke', 'health-check']);
  });
  test('a non-analysis in the list throws', () => {
    expect(() => RolloutStrategy.blueGreen({ prePromotionAnalysis: ['smoke' as never] })).toThrow(
      "RolloutStrategy.blueGreen: 'prePromotionAnalysis' [\"smoke\"] must be true, false or a list of analyses like [Analysis.prometheus({ ... })]",
    );
  });
});
