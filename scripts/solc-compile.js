#!/usr/bin/env node
// FlexMarket contract compiler bridge: reads a solc standard-JSON input on stdin, compiles it
// with the pinned npm `solc` (the WASM build, no download) and writes the standard-JSON
// output to stdout. All imports are resolved by the caller (marketplace.chain.compile) and
// passed in as sources, so the same input compiles identically with a native solc.
// `node scripts/solc-compile.js --version` prints the compiler version.
'use strict';
const solc = require('solc');

if (process.argv.includes('--version')) {
  process.stdout.write(solc.version() + '\n');
  process.exit(0);
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const output = solc.compile(Buffer.concat(chunks).toString('utf8'));
  process.stdout.write(output);
});
