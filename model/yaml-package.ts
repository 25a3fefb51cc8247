/**
 * The `yaml` package, loaded on first use. It is the largest module a short command would load
 * (60-90 ms of `ferry promote`'s start-up), and most runs never need it: stack files in the plain
 * subset ferry writes are read and edited without its document (model/plain-stack-yaml.ts). Its
 * Node build is CommonJS, so a synchronous `require` gives the very instance `import` would.
 */
import { createRequire } from 'node:module';

type YamlPackage = typeof import('yaml');

const require = createRequire(import.meta.url);
let loaded: YamlPackage | undefined;

/** The `yaml` package's exports (`parseDocument`, `isMap`, `Scalar`, ...), loaded on the first call. */
export function yamlPackage(): YamlPackage {
  return (loaded ??= require('yaml') as YamlPackage);
}
