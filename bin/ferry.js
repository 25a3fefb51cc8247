#!/usr/bin/env node
// The ferry CLI; the TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { main, processIO } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), processIO());
// Every command has finished its work and its output; exiting now spares the ~0.2 s that idle
// HTTP keep-alive sockets (registry, GitHub, Argo CD clients) would otherwise hold the process.
process.exit(code);
