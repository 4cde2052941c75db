/**
 * A tiny TypeScript require hook for running scripts without a build:
 *   node -r ./scripts/register.js scripts/profile_conv_backprop.ts
 * Each .ts file is compiled to CommonJS by @swc/core (types are stripped, not checked).
 */
/* global require */
const fs = require('fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
