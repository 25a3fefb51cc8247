import { StackFile } from '../../lib/promote/stack-file.js';

/**
 * An in-place edit gives a copy whose plain value is derived from the original's instead of
 * parsing the edited text again: the two must agree on every edit, quoting style and layout.
 */
const STACKS: Record<string, string> = {
  plain: 'config:\n  aws:region: eu-west-1\n  ferry:images:\n    api: sha-3f9c2a1b\n    web: sha-8e1d4c7a\n',
  quoted: "# a comment\nconfig:\n  ferry:images:\n    api: \"1.4.0\" # pinned by hand\n    web: 'sha-8e1d4c7a'\n  ferry:digests:\n    api: sha256:1111111111111111111111111111111111111111111111111111111111111111\n    web: ''\n",
  flow: 'config:\n  ferry:images: { api: sha-3f9c2a1b, web: "2.0.0" }\n  ferry:digests: { api: "", web: "" }\n  ferry:charts:\n    web: { version: 1.2.3 }\n',
  withConfig: 'config:\n  ferry:images:\n    api: sha-3f9c2a1b\n\n    web: sha-8e1d4c7a\n  ferry:config:\n    api:\n      DATABASE_PASSWORD: { secret: api-database, key: password }\n      REQUEST_TIMEOUT_MS: 3000\n  ferry:charts:\n    web:\n      version: "1.2.3"\n      values: { replicas: 2 }\n',
};

const TAGS = ['sha-0000aaaa', '1.5.0', '123', 'true', 'v1.2.3-rc.1+build.7', 'null', '0x1F', 'a#b'];
const DIGEST = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';

const parsedValue = (edited: StackFile) => StackFile.parse(edited.text, edited.file, edited.project).value();

describe('the value of an in-place edit equals the parse of its text', () => {
  for (const [shape, text] of Object.entries(STACKS)) {
    const stack = StackFile.parse(text, `Pulumi.${shape}.yaml`, 'ferry');
    for (const service of ['api', 'web']) {
      test(`${shape}: tags of ${service}`, () => {
        for (const tag of TAGS) {
          const edited = stack.withImageTag(service, tag);
          expect(edited.value()).toEqual(parsedValue(edited));
          expect(edited.tagOf(service)).toBe(tag);
          // An edit of an edit: the derived copy hands on what it derived.
          const twice = edited.withImageTag(service === 'api' ? 'web' : 'api', 'sha-0000bbbb');
          expect(twice.value()).toEqual(parsedValue(twice));
        }
      });
    }
    test(`${shape}: digests set, replaced and cleared`, () => {
      for (const service of ['api', 'web']) {
        const pinned = stack.withDigest(service, DIGEST);
        expect(pinned.value()).toEqual(parsedValue(pinned));
        const cleared = pinned.withDigest(service, undefined);
        expect(cleared.value()).toEqual(parsedValue(cleared));
      }
    });
  }

  test('chart versions', () => {
    for (const shape of ['flow', 'withConfig']) {
      const edited = StackFile.parse(STACKS[shape]!, 'Pulumi.x.yaml', 'ferry').withChartVersion('web', '1.3.0');
      expect(edited.value()).toEqual(parsedValue(edited));
      expect(edited.chartVersionOf('web')).toBe('1.3.0');
    }
  });

  test('the original is never changed by a copy', () => {
    const stack = StackFile.parse(STACKS.plain!, 'Pulumi.plain.yaml', 'ferry');
    const before = JSON.stringify(stack.value());
    const edited = stack.withImageTag('api', 'sha-0000aaaa');
    (edited.value() as { config: Record<string, Record<string, string>> }).config['ferry:images']!.web = 'changed';
    expect(JSON.stringify(stack.value())).toBe(before);
  });

  test('an edit shares what it left alone with the original, yet no caller can change either through value()', () => {
    // 'a#b' is written quoted, outside the plain subset: the copy's value is then the derived one itself.
    for (const tag of ['sha-0000aaaa', 'a#b']) {
      const stack = StackFile.parse(STACKS.withConfig!, 'Pulumi.withConfig.yaml', 'ferry');
      const edited = stack.withImageTag('api', tag);
      const [stackBefore, editedBefore] = [JSON.stringify(stack.value()), JSON.stringify(edited.value())];
      for (const file of [stack, edited]) {
        const value = file.value() as { config: { 'ferry:config': Record<string, Record<string, unknown>>; 'ferry:images': Record<string, string>; 'ferry:charts'?: unknown } };
        value.config['ferry:config']!.api!.REQUEST_TIMEOUT_MS = 1;
        value.config['ferry:images']!.web = 'changed';
        delete value.config['ferry:charts'];
      }
      expect([tag, JSON.stringify(stack.value()), JSON.stringify(edited.value())]).toEqual([tag, stackBefore, editedBefore]);
      expect([tag, JSON.stringify(stack.readValue()), JSON.stringify(edited.readValue())]).toEqual([tag, stackBefore, editedBefore]);
      expect(edited.readValue()).toEqual(parsedValue(edited));
    }
  });
});
