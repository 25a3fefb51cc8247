import { StackFile } from '../../lib/promote/stack-file.js';
import { projectValues, projectValuesOf } from '../../model/stack-config.js';
import { stackYamlValue } from '../../model/stack-yaml.js';
import { parseConfigSelection } from '../../lib/promote/config-promotion.js';
import { commitMessage, multiTargetCommitMessage } from '../../lib/promote/commit-message.js';

const STAGE = `# stage
config:
  ferry:images:
    api: sha-3f9c2a1b

    web: "1.4.0"
  ferry:config:
    api:
      DATABASE_HOST: db.stage.internal # the host
      REQUEST_TIMEOUT_MS: 3000

    web:
      THEME: light
`;

const stack = StackFile.parse(STAGE, 'Pulumi.stage.yaml', 'ferry');

describe('StackFile config edits keep the one-service-per-paragraph layout', () => {
  test('reads each service mapping as plain values', () => {
    expect(stack.configOf('api')).toEqual({ DATABASE_HOST: 'db.stage.internal', REQUEST_TIMEOUT_MS: 3000 });
    expect(stack.allConfig()).toEqual({ api: { DATABASE_HOST: 'db.stage.internal', REQUEST_TIMEOUT_MS: 3000 }, web: { THEME: 'light' } });
    expect(stack.configOf('cart')).toEqual({});
  });

  test('a scalar replacing a scalar changes only that value', () => {
    expect(stack.withConfigValue('api', 'REQUEST_TIMEOUT_MS', 2500).text).toBe(STAGE.replace('REQUEST_TIMEOUT_MS: 3000', 'REQUEST_TIMEOUT_MS: 2500'));
    expect(stack.withConfigValue('web', 'THEME', 'true').text).toBe(STAGE.replace('THEME: light', 'THEME: "true"'));
  });

  test('an added key goes at the end of its service, every other line (comments, blank lines, quotes) stays', () => {
    expect(stack.withConfigValue('api', 'CHECKOUT_V2', true).text).toBe(STAGE.replace('REQUEST_TIMEOUT_MS: 3000\n', 'REQUEST_TIMEOUT_MS: 3000\n      CHECKOUT_V2: true\n'));
    expect(stack.withConfigValue('web', 'PASSWORD', { secret: 'web-db', key: 'pw' }).text).toBe(`${STAGE}      PASSWORD:\n        secret: web-db\n        key: pw\n`);
  });

  test('removing the last key of a service removes the service, and then the empty ferry:config', () => {
    const noWeb = stack.withConfigValue('web', 'THEME', undefined);
    expect(noWeb.text).toBe(STAGE.replace('\n    web:\n      THEME: light\n', ''));
    const none = noWeb.withConfigValue('api', 'DATABASE_HOST', undefined).withConfigValue('api', 'REQUEST_TIMEOUT_MS', undefined);
    expect(none.text).toBe('# stage\nconfig:\n  ferry:images:\n    api: sha-3f9c2a1b\n\n    web: "1.4.0"\n');
    expect(none.withConfigValue('api', 'X', undefined)).toBe(none);
  });
});

describe('--config', () => {
  test.each<[string, unknown]>([
    ['all', 'all'],
    ['CHECKOUT_V2', ['CHECKOUT_V2']],
    [' A, B ,A', ['A', 'B']],
  ])('%j', (text, selection) => {
    expect(parseConfigSelection(text)).toEqual(selection);
  });

  test.each([
    ['', '--config "": no key named; allowed: all, or KEY[,KEY...]'],
    ['checkout', "--config \"checkout\": 'checkout' is not a variable name (A-Z, 0-9, _); allowed: all, or KEY[,KEY...]"],
  ])('%j is refused', (text, message) => {
    expect(() => parseConfigSelection(text)).toThrow(new Error(message));
  });
});

describe('commit messages with config', () => {
  const api = { service: 'api', tag: 'v1.2.0', previousTag: 'v1.1.0', digest: undefined, releaseOf: undefined };
  const apiConfig = { service: 'api', keys: [{ key: 'CHECKOUT_V2', before: '(default)', after: 'true' }], overridden: [] };
  const webConfig = { service: 'web', keys: [{ key: 'THEME', before: 'light', after: 'dark' }, { key: 'FONT', before: '(default)', after: 'serif' }], overridden: [] };

  test('an image and config of one service, and config of another: per-service Config-Keys', () => {
    expect(commitMessage({ kind: 'promotion', environment: 'prod', promotedFrom: 'stage', services: [api], config: [apiConfig, webConfig], overrides: [], reason: undefined })).toBe(
      'chore(promote): api v1.2.0 + config CHECKOUT_V2, web config THEME, FONT to prod\n\nPromoted-From: stage\nImage-Tag: v1.2.0\nConfig-Keys: api=CHECKOUT_V2\nConfig-Keys: web=THEME, FONT\n',
    );
  });

  test('several targets: Config-Keys and Promoted-From qualified by environment', () => {
    expect(multiTargetCommitMessage({
      kind: 'promotion',
      targets: [
        { environment: 'prod-eu', promotedFrom: 'staging-eu', services: [], config: [webConfig] },
        { environment: 'prod-us', promotedFrom: 'staging-us', services: [], config: [webConfig] },
      ],
      overrides: [],
      reason: undefined,
    })).toBe('chore(promote): web config THEME, FONT to prod-eu, prod-us\n\nPromoted-From: prod-eu/web=staging-eu\nPromoted-From: prod-us/web=staging-us\nConfig-Keys: prod-eu/web=THEME, FONT\nConfig-Keys: prod-us/web=THEME, FONT\n');
  });
});

test("a parsed stack file's value is what reading its text gives, without parsing again; aliases are refused the same way", () => {
  const stack = StackFile.parse(STAGE, 'Pulumi.stage.yaml', 'ferry');
  expect(stack.value()).toEqual(stackYamlValue(STAGE, 'Pulumi.stage.yaml'));
  expect(projectValuesOf(stack.value(), 'Pulumi.stage.yaml', 'ferry')).toEqual(projectValues(STAGE, 'Pulumi.stage.yaml', 'ferry'));
  expect(projectValuesOf(stack.value(), 'Pulumi.stage.yaml', 'ferry')).toMatchObject({ images: { api: 'sha-3f9c2a1b', web: '1.4.0' } });
  const aliased = 'config:\n  ferry:images: &tags\n    api: v1\n  ferry:previous: *tags\n';
  const message = 'Pulumi.stage.yaml: YAML aliases (*name) are not allowed in stack files; write the value out';
  expect(() => stackYamlValue(aliased, 'Pulumi.stage.yaml')).toThrow(message);
  expect(() => StackFile.parse(aliased, 'Pulumi.stage.yaml', 'ferry').value()).toThrow(message);
});
