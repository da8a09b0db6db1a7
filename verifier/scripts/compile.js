#!/usr/bin/env node
// Compiles a solc standard-JSON input read from stdin with the solc-js library pinned in
// package.json (0.8.19) and writes the standard-JSON output to stdout.
//
// - The optimizer is OFF (the generated Halo2 verifier hits "stack too deep" with it on), unless
//   `--optimize` is given (runs 200), as for the registry.
// - Imports that are not given in `sources` are read from disk, relative to the current directory
//   (then to the contracts/ folder beside this script).
// - Warnings go to stderr; any error-severity diagnostic makes the script print the errors on
//   stderr and exit with status 1 (the output JSON is still written to stdout).
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const CONTRACTS_DIR = path.join(__dirname, '..', 'contracts');

function findImports(importPath) {
  for (const base of [process.cwd(), CONTRACTS_DIR]) {
    const candidate = path.resolve(base, importPath);
    try {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch (_) {
      // try the next base
    }
  }
  return { error: `import not found: ${importPath}` };
}

function main() {
  const raw = fs.readFileSync(0, 'utf8');
  let input;
  try {
    input = JSON.parse(raw);
  } catch (e) {
    process.stderr.write(`compile.js: stdin is not valid JSON: ${e.message}\n`);
    process.exit(2);
  }
  input.settings = input.settings || {};
  // The generated verifier must be compiled without the optimizer (it hits "stack too deep"
  // otherwise); the registry and the other hand-written contracts take it (`--optimize`).
  const optimize = process.argv.includes('--optimize');
  input.settings.optimizer = Object.assign({ runs: 200 }, input.settings.optimizer, { enabled: optimize });

  const outputText = solc.compile(JSON.stringify(input), { import: findImports });
  let output;
  try {
    output = JSON.parse(outputText);
  } catch (e) {
    process.stderr.write(`compile.js: solc returned invalid JSON: ${e.message}\n`);
    process.exit(3);
  }

  process.stdout.write(outputText);
  process.stdout.write('\n');

  const diagnostics = output.errors || [];
  let failed = false;
  for (const d of diagnostics) {
    const text = d.formattedMessage || d.message || JSON.stringify(d);
    if (d.severity === 'error') {
      failed = true;
      process.stderr.write(`error: ${text}\n`);
    } else {
      process.stderr.write(`${d.severity || 'note'}: ${text}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

main();
