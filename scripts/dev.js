#!/usr/bin/env node
// Runs the CLI from the TypeScript sources (no build step), for development:
//   node scripts/dev.js bench engine
// It compiles each module on load with @swc/core (a dev dependency).
'use strict';
const { transformSync } = require('@swc/core');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const root = path.resolve(__dirname, '..');
const original = Module._extensions['.js'];
Module._extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
void original;
require(path.join(root, 'src/cli/main.ts'))
  .main(process.argv)
  .then((code) => process.exit(code));
