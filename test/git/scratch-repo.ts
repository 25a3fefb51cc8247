/** A fresh git repository in a temp folder for each test, and a one-call commit. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Git } from '../../lib/git/git.js';

const ENV = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };

export interface ScratchRepo {
  readonly root: string;
  readonly git: Git;
  /** Writes the files, commits everything, returns the commit id. */
  commit(files: Record<string, string>, message: string): string;
}

/** Registers beforeEach/afterEach hooks; the returned object always points at the current test's repository. */
export function useScratchRepo(prefix: string): ScratchRepo {
  const state = { root: '', git: undefined as unknown as Git };
  beforeEach(() => {
    state.root = mkdtempSync(join(tmpdir(), prefix));
    state.git = new Git(state.root, { ...process.env, ...ENV });
    state.git.run(['init', '-q', '-b', 'main']);
  });
  afterEach(() => rmSync(state.root, { recursive: true, force: true }));
  return {
    get root() {
      return state.root;
    },
    get git() {
      return state.git;
    },
    commit(files, message) {
      for (const [path, content] of Object.entries(files)) writeFileSync(join(state.root, path), content);
      state.git.run(['add', '-A']);
      state.git.run(['commit', '-q', '-m', message]);
      return state.git.run(['rev-parse', 'HEAD']).trim();
    },
  };
}
