// Rebuilds dist/ when ferry runs from its own source checkout and an engine source changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Engine source folders whose compiled form is in dist/. */
const SOURCE_DIRS = ['model', 'constructs', 'charts', 'lib', 'cli', 'stacks'];

function newestSource(root) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  if (existsSync(join(root, 'index.ts'))) newest = Math.max(newest, statSync(join(root, 'index.ts')).mtimeMs);
  return newest;
}

/** In a source checkout (tsconfig.json and cli/main.ts beside bin/), runs tsc when dist/ is older than a source. */
export function ensureFreshBuild(rootUrl) {
  const root = fileURLToPath(rootUrl);
  if (!existsSync(join(root, 'tsconfig.json')) || !existsSync(join(root, 'cli/main.ts'))) return;
  const stamp = join(root, 'dist/.tsbuildinfo');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(root)) return;
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) return;
  process.stderr.write('ferry: engine sources changed since the last build; compiling (tsc)\n');
  const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) {
    process.stderr.write('ferry: the engine does not compile; fix the errors above\n');
    process.exit(1);
  }
  // tsc leaves its build info untouched when no output changed; mark the build as fresh.
  if (existsSync(stamp)) utimesSync(stamp, new Date(), new Date());
}
