import { StackFile } from '../../lib/promote/stack-file.js';
import { inFreezeWindow, checkFreezeWindow } from '../../model/freeze-window.js';
import { unifiedDiff } from '../../lib/promote/text-diff.js';
import { parseTrailers, trailerFor } from '../../lib/promote/trailers.js';
import { formatDuration } from '../../model/gate.js';

const TEXT = `# prod: reviewed
config:
  aws:region: eu-west-1
  ferry:images:
    api: "v1.3.2" # quoted on purpose
    web: v1.3.0
  ferry:logLevel: WARN
`;

test('StackFile replaces only the value, keeping quotes and comments; adds and removes digests', () => {
  const stack = StackFile.parse(TEXT, 'Pulumi.prod.yaml', 'ferry');
  expect(stack.withImageTag('api', 'v1.4.0').text).toBe(TEXT.replace('"v1.3.2"', '"v1.4.0"'));
  expect(stack.withImageTag('web', 'sha-1a2b3c4d').text).toBe(TEXT.replace('web: v1.3.0', 'web: sha-1a2b3c4d'));
  const digest = `sha256:${'a'.repeat(64)}`;
  const pinned = stack.withDigest('api', digest);
  expect(pinned.text).toBe(`${TEXT}  ferry:digests:\n    api: ${digest}\n`);
  expect(pinned.withDigest('api', `sha256:${'b'.repeat(64)}`).text).toBe(`${TEXT}  ferry:digests:\n    api: sha256:${'b'.repeat(64)}\n`);
  expect(pinned.withDigest('api', undefined).text).toBe(TEXT);
  expect(() => stack.withImageTag('db', 'v1.0.0')).toThrow('Pulumi.prod.yaml: config.ferry:images.db: missing; every service needs a tag in every environment');
});

test('freeze windows in their time zone, across midnight, and their validation', () => {
  const window = { reason: 'r', timeZone: 'America/New_York', days: [5], start: '22:00', end: '02:00' };
  expect(inFreezeWindow(window, new Date('2026-03-14T02:30:00Z'))).toBe(true); // Fri 22:30 EDT
  expect(inFreezeWindow(window, new Date('2026-03-14T05:59:00Z'))).toBe(true); // Sat 01:59
  expect(inFreezeWindow(window, new Date('2026-03-14T06:00:00Z'))).toBe(false); // Sat 02:00
  expect(inFreezeWindow(window, new Date('2026-03-13T02:30:00Z'))).toBe(false); // Thu 22:30
  expect(() => checkFreezeWindow({ ...window, timeZone: 'Mars/Olympus' }, "environment 'prod': 'freezeWindows[0]'")).toThrow(
    `environment 'prod': 'freezeWindows[0]': 'timeZone' "Mars/Olympus" is not an IANA time zone; allowed: names like 'Europe/Berlin' or 'UTC'`,
  );
  expect(() => checkFreezeWindow({ ...window, start: '24:00' }, 'w')).toThrow(`w: 'start' "24:00" is not a time; allowed: 'HH:MM' from 00:00 to 23:59`);
});

test('unified diff, trailers and durations', () => {
  expect(unifiedDiff('f', 'a\nb\nc\n', 'a\nB\nc\n')).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
  expect(unifiedDiff('f', 'same\n', 'same\n')).toBe('');
  const trailers = parseTrailers('Image-Tag: api=v1\nImage-Tag: web=v2\nPromoted-From: stage\n');
  expect(trailerFor(trailers, 'Image-Tag', 'web')).toBe('v2');
  expect(trailerFor(trailers, 'Promoted-From', 'api')).toBe('stage');
  expect(formatDuration(3 * 3600_000 + 12 * 60_000)).toBe('3h 12m');
  expect(formatDuration(50 * 3600_000)).toBe('2d 2h');
});
