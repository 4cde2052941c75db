#!/usr/bin/env node
'use strict';
require('../dist/cli/main.js').main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`faceclr: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  },
);
