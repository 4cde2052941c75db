#!/usr/bin/env node
// Runs the CLI from the TypeScript sources (no build step), for development:
//   node scripts/dev.js bench engine
'use strict';
const path = require('path');
require('./register.js');
require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'))
  .main(process.argv)
  .then((code) => process.exit(code));
