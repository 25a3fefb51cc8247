import { createPlatformRepo } from './platform-repo.js';

test('a platform repo copy renders, commits and runs the CLI in-process', async () => {
  const repo = await createPlatformRepo();
  try {
    expect(repo.git(['log', '--format=%s']).trim()).toBe('initial platform');
    const check = await repo.ferry(['render', '--check']);
    expect(check).toMatchObject({ code: 0, stderr: '' });
    expect(check.stdout).toMatch(/^manifests\/ is up to date \(\d+ files\)/);
  } finally {
    repo.cleanup();
  }
});
