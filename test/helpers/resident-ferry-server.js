// One long-lived ferry process for tests that run many commands (test/helpers/resident-ferry.ts):
// set up as bin/ferry.js sets up a run (compile cache, a fresh dist/, the compiled engine), then
// runs each command its parent sends over IPC, in the command's working directory, and answers
// with its exit code and output. What a new process would pay per command (node start-up and the
// engine's modules, cdk8s among them) is paid once.
import module from 'node:module';
import { ensureFreshBuild } from '../../bin/fresh-build.js';

module.enableCompileCache?.();
ensureFreshBuild(new URL('../../', import.meta.url));
// Not awaited here: the message handler below is in place before the engine has loaded.
const engine = import('../../dist/cli/main.js');

/** Runs `ferry <args>` in `cwd` with `env` set over this process's environment; stdout and stderr as a process would print them. */
async function run({ args, cwd, env }) {
  const { main } = await engine;
  let stdout = '';
  let stderr = '';
  const writes = [process.stdout, process.stderr].map((stream) => stream.write);
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  try {
    // Anything written past the CLI's own IO (a Node warning) is output of the command too.
    process.stdout.write = (chunk) => {
      stdout += String(chunk);
      return true;
    };
    process.stderr.write = (chunk) => {
      stderr += String(chunk);
      return true;
    };
    for (const [key, value] of Object.entries(env)) setEnv(key, value);
    process.chdir(cwd);
    const code = await main(args, { cwd, out: (text) => void (stdout += text), err: (text) => void (stderr += text), env: process.env, isTTY: false });
    return { code, stdout, stderr };
  } finally {
    for (const [key, value] of Object.entries(saved)) setEnv(key, value);
    [process.stdout.write, process.stderr.write] = writes;
  }
}

function setEnv(key, value) {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

/** The reply to one request: the command's result, or why it could not run (a working directory gone). */
async function reply(request) {
  try {
    return { id: request.id, ...(await run(request)) };
  } catch (error) {
    return { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
}

// Commands run one at a time, in the order they came, as they would one process after another.
let queue = Promise.resolve();
process.on('message', (request) => {
  queue = queue.then(async () => process.send(await reply(request)));
});
// The test process went away (finished, or its worker was killed): so does this one.
process.on('disconnect', () => process.exit(0));
