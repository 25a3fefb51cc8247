#!/usr/bin/env node
// The ferry CLI; the TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { main, processIO } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), processIO());
// On a pipe, what does not fit the pipe's buffer (64 KiB) is still queued in this process when
// main returns, and process.exit() would drop it. A write's callback runs once every earlier
// write has reached the OS, so an empty write per stream waits exactly for the queue to drain.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
// Every command has finished its work and its output; exiting now spares the ~0.2 s that idle
// HTTP keep-alive sockets (registry, GitHub, Argo CD clients) would otherwise hold the process.
process.exit(code);
