#!/usr/bin/env node
// The ferry CLI. Installed from the package, it runs the compiled engine in dist/. Run inside
// ferry's own source checkout, it first rebuilds dist/ when an engine source is newer than the
// last build, so an edit to a construct is never rendered stale (a platform's own
// platform/platform.ts is always loaded from source; see lib/loader/load-platform.ts).
import module from 'node:module';
import { ensureFreshBuild } from './fresh-build.js';

// V8's compiled code for the engine's modules (and, in lib/loader, platform.ts with its types
// stripped) is kept between runs: about a third of a short command's start-up. Off with
// NODE_DISABLE_COMPILE_CACHE=1; NODE_COMPILE_CACHE=<dir> moves it.
module.enableCompileCache?.();

ensureFreshBuild(new URL('..', import.meta.url));
const { main, processIO } = await import('../dist/cli/main.js');

const code = await main(process.argv.slice(2), processIO());
// On a pipe, what does not fit the pipe's buffer (64 KiB) is still queued in this process when
// main returns, and process.exit() would drop it. A write's callback runs once every earlier
// write has reached the OS, so an empty write per stream waits exactly for the queue to drain.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
// Every command has finished its work and its output; exiting now spares the ~0.2 s that idle
// HTTP keep-alive sockets (registry, GitHub, Argo CD clients) would otherwise hold the process.
process.exit(code);
