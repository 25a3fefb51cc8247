#!/usr/bin/env node
// The ferry CLI; the TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { main, processIO } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2), processIO());
