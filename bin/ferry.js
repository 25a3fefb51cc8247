#!/usr/bin/env node
// The ferry CLI. Installed from the package, it runs the compiled engine in dist/. Run inside
// ferry's own source checkout, it first rebuilds dist/ when an engine source is newer than the
// last build, so an edit to a construct is never rendered stale (a platform's own
// platform/platform.ts is always loaded from source; see lib/loader/load-platform.ts).
import { ensureFreshBuild } from './fresh-build.js';

ensureFreshBuild(new URL('..', import.meta.url));
const { main, processIO } = await import('../dist/cli/main.js');

const code = await main(process.argv.slice(2), processIO());
// Every command has finished its work and its output; exiting now spares the ~0.2 s that idle
// HTTP keep-alive sockets (registry, GitHub, Argo CD clients) would otherwise hold the process.
process.exit(code);
