/**
 * A ferry process that stays up for the tests of one file (test/helpers/resident-ferry-server.js):
 * each command runs in it as it would in a process of its own (the compiled engine, the command's
 * working directory and environment, its exit code, stdout and stderr), without the node start-up
 * and module loading a new process pays (most of a small render's CPU).
 *
 * Not jest's module loader on purpose: it keeps a file's source by path for the whole test file, so
 * an edited platform/platform.ts would be loaded with its first content. Node loads it again (its
 * URL carries its content hash, lib/loader/load-platform.ts) but keeps a module platform.ts imports
 * by URL: a test that edits such a module needs a process per command.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, type CliResult } from './platform-repo.js';

/** Where the server is, beside this file in the repository (jest runs the sources). */
const SERVER = join(REPO_ROOT, 'test/helpers/resident-ferry-server.js');

/** The server's answer: a command's result, or why it could not run. */
type Reply = (CliResult & { readonly id: number; readonly error?: undefined }) | { readonly id: number; readonly error: string };

export class ResidentFerry {
  /** Starts the process with `env`; commands sent while it loads the engine wait in the IPC channel. */
  public static start(env: NodeJS.ProcessEnv = process.env): ResidentFerry {
    return new ResidentFerry(fork(SERVER, [], { env, execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (result: CliResult) => void; reject: (error: Error) => void }>();
  private exited: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Reply) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(`the resident ferry process could not run the command: ${message.error}`));
      else waiting?.resolve({ code: message.code, stdout: message.stdout, stderr: message.stderr });
    });
    child.on('exit', (code, signal) => {
      this.exited ??= new Error(`the resident ferry process exited (${signal ?? `code ${code}`})`);
      for (const { reject } of this.pending.values()) reject(this.exited);
      this.pending.clear();
    });
  }

  /** Runs `ferry <args>` with `cwd` as working directory and `env` over the test process's environment (undefined unsets). */
  public run(args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, args, cwd, env });
    });
  }

  /** Ends the process (it also ends by itself when the test process goes away); later commands are refused. */
  public stop(): void {
    this.exited ??= new Error('the resident ferry process was stopped');
    if (this.child.connected) this.child.disconnect();
  }
}

let ofThisFile: ResidentFerry | undefined;
// Registered when a test file imports this module: the file's resident process ends with its tests.
afterAll(() => {
  ofThisFile?.stop();
  ofThisFile = undefined;
});

/** The resident ferry process of the running test file, started on first use. */
export function residentFerry(): ResidentFerry {
  ofThisFile ??= ResidentFerry.start();
  return ofThisFile;
}
