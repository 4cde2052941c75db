/**
 * A tiny TypeScript require hook for running scripts without a build:
 *   node -r ./scripts/register.js scripts/profile_conv_backprop.ts
 * Each .ts file is transpiled to CommonJS by the TypeScript compiler (types are stripped, not
 * checked).
 */
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  module._compile(outputText, filename);
};
