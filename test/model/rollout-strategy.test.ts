import { RolloutStrategy } from '../../model/rollout-strategy.js';

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
