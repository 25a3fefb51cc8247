/** A platform repository copy plus a real registry holding every tag of the sample stack files. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPlatformRepo, type CliResult, type PlatformRepo } from '../helpers/platform-repo.js';
import type { LocalRegistry } from '../../lib/testing/local-registry.js';

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Promoter Pat',
  GIT_AUTHOR_EMAIL: 'pat@example.com',
  GIT_COMMITTER_NAME: 'Promoter Pat',
  GIT_COMMITTER_EMAIL: 'pat@example.com',
};

/** Tags of the sample Pulumi.<env>.yaml files. */
export const SAMPLE_TAGS: Readonly<Record<string, readonly string[]>> = {
  api: ['sha-3f9c2a1b', 'v1.3.2'],
  web: ['sha-8e1d4c7a', '1.4.0-SNAPSHOT-8e1d4c7', 'v1.3.0'],
};

export interface PromoteRepo extends PlatformRepo {
  /** `ferry <args> --registry-url <registry>` in-process, with a git identity and FERRY_NOW when given. */
  run(args: readonly string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** Sets the tag of a service in a stack file by text replacement, renders in-process and commits it at `date`. */
  commitTag(env: string, service: string, tag: string, date: string, message?: string): Promise<string>;
  /** Every tracked and untracked file's status: '' when the tree equals HEAD. */
  status(): string;
}

/** The registries (one per suite) that already hold every sample tag: pushing them again would only change their digests. */
const seededRegistries = new WeakSet<LocalRegistry>();

export async function createPromoteRepo(registry: LocalRegistry, options: { edit?: (root: string) => void; push?: boolean } = {}): Promise<PromoteRepo> {
  const repo = await createPlatformRepo({ edit: options.edit, initialDate: '2026-01-01T00:00:00Z' });
  if ((options.push ?? true) && !seededRegistries.has(registry)) {
    for (const [service, tags] of Object.entries(SAMPLE_TAGS)) for (const tag of tags) await registry.pushImage(service, tag);
    seededRegistries.add(registry);
  }
  return Object.assign(repo, {
    run: (args: readonly string[], env: Record<string, string | undefined> = {}) =>
      repo.ferry([...args, '--registry-url', registry.url], { ...GIT_ENV, ...env }),
    async commitTag(env: string, service: string, tag: string, date: string, message = `${env}: ${service} ${tag} (hand edit)`) {
      const file = `Pulumi.${env}.yaml`;
      const text = repo.read(file);
      const next = text.replace(new RegExp(`^(    ${service}: ).*$`, 'm'), `$1${tag}`);
      if (next === text) throw new Error(`${file}: ${service} already ${tag} or missing`);
      repo.write(file, next);
      // Set-up, not the subject of a test: the engine in this process renders without a process's start-up.
      const rendered = await repo.ferry(['render', '--quiet']);
      if (rendered.code !== 0) throw new Error(rendered.stderr);
      return repo.commitAll(message, date);
    },
    status: () => repo.git(['status', '--porcelain', '--untracked-files=all']),
  });
}

/** Edits the platform of a copy: `replace` gets the text of platform/platform.ts. */
export function editPlatform(replace: (text: string) => string): (root: string) => void {
  return (root) => {
    const file = join(root, 'platform/platform.ts');
    const text = readFileSync(file, 'utf8');
    const next = replace(text);
    if (next === text) throw new Error('editPlatform: nothing replaced');
    writeFileSync(file, next);
  };
}
