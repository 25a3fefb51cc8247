/**
 * The layering of ferry, checked by `npm test` (npm run lint): each layer imports only the layers
 * below it, and nothing imports in a circle.
 *
 *   model/  <-  constructs/  <-  charts/  <-  lib/ (render, promote, diff, ...)  <-  cli/
 *   stacks/ (Pulumi) imports model/ and lib/; bench/ imports cli/ and lib/; test/ anything.
 */
const layer = (name, path, mayImport) => ({
  name: `${name}-imports-only-lower-layers`,
  comment: `${name} may import only: ${mayImport.join(', ')}`,
  severity: 'error',
  from: { path },
  to: { path: '^(model|constructs|charts|lib|cli|stacks|platform|bench|test|policy)/', pathNot: mayImport.map((p) => `^${p}`) },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles hide the layering', from: {}, to: { circular: true } },
    layer('model', '^model/', ['model/']),
    layer('constructs', '^constructs/', ['model/', 'constructs/']),
    layer('charts', '^charts/', ['model/', 'constructs/', 'charts/']),
    layer('lib', '^lib/', ['model/', 'constructs/', 'charts/', 'lib/']),
    layer('stacks', '^stacks/', ['model/', 'lib/', 'stacks/', 'platform/']),
    layer('cli', '^cli/', ['model/', 'constructs/', 'charts/', 'lib/', 'cli/', 'stacks/']),
    layer('policy', '^policy/', ['stacks/', 'policy/']),
    layer('bench', '^bench/', ['model/', 'lib/', 'cli/', 'bench/']),
    {
      name: 'engine-does-not-import-the-sample-platform',
      comment: 'the engine works on any platform: only the sample program (stacks/index.ts) names this repository\'s own',
      severity: 'error',
      from: { path: '^(model|constructs|charts|lib|cli|bench|index\\.ts)', pathNot: '^stacks/index\\.ts$' },
      to: { path: '^platform/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.d.ts'] },
  },
};
