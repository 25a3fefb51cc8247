import { TagFormat, checkImageTag } from '../../model/image-tag.js';

describe('tag formats', () => {
  test.each([
    ['sha-1a2b3c4d', 'sha'],
    ['1.2.0-SNAPSHOT-7d2a1b3', 'snapshot'],
    ['v1.2.0', 'release'],
    ['v1.2.0-rc.1', 'release-candidate'],
    ['pr-42-1a2b3c4', 'pull-request'],
    ['pr-42-1a2b3c4d', 'pull-request'],
  ])('%s is a %s tag', (tag, format) => {
    expect(checkImageTag(tag, 'x').name).toBe(format);
  });

  test.each(['sha-1A2B3C4D', 'sha-1a2b3c4', 'v1.2', '1.2.0', 'v01.2.0', 'pr-0-1a2b3c4', 'pr-4-1a2b3c', '1.2.0-SNAPSHOT-7d2a1b', 'main'])('%s matches no format', (tag) => {
    expect(() => checkImageTag(tag, 'Pulumi.dev.yaml: ferry:images.api')).toThrow(
      `Pulumi.dev.yaml: ferry:images.api: image tag '${tag}' matches no allowed format; allowed formats: sha-<8 hex> (e.g. sha-1a2b3c4d), <semver>-SNAPSHOT-<7 hex> (e.g. 1.2.0-SNAPSHOT-7d2a1b3), vX.Y.Z (e.g. v1.2.0), vX.Y.Z-rc.N (e.g. v1.2.0-rc.1), pr-<n>-<7..8 hex> (e.g. pr-42-1a2b3c4)`,
    );
  });

  test('latest is refused as mutable', () => {
    expect(() => checkImageTag('latest', 'here', [TagFormat.SHA])).toThrow("here: image tag 'latest' is refused: tags must be immutable; allowed formats: sha-<8 hex> (e.g. sha-1a2b3c4d)");
  });

  test('empty and non-string tags are refused', () => {
    expect(() => checkImageTag('', 'here', [TagFormat.SHA])).toThrow('here: image tag is empty or not a string (""); allowed formats: sha-<8 hex> (e.g. sha-1a2b3c4d)');
    expect(() => checkImageTag(undefined, 'here', [TagFormat.SHA])).toThrow('here: image tag is empty or not a string (null); allowed formats: sha-<8 hex> (e.g. sha-1a2b3c4d)');
    expect(() => checkImageTag(123, 'here', [TagFormat.SHA])).toThrow('here: image tag is empty or not a string (123)');
  });

  test('a custom format must match its example and refuse latest', () => {
    expect(TagFormat.custom('build', 'build-<n>', 'build-12', /^build-\d+$/).matches('build-7')).toBe(true);
    expect(() => TagFormat.custom('build', 'build-<n>', 'b-12', /^build-\d+$/)).toThrow("TagFormat 'build': example 'b-12' does not match pattern /^build-\\d+$/");
    expect(() => TagFormat.custom('any', 'anything', 'x', /^.*$/)).toThrow("TagFormat 'any': pattern /^.*$/ accepts 'latest' or an empty tag; tags must be immutable");
  });
});
