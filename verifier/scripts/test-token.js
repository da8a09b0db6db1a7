#!/usr/bin/env node
// For local walkthroughs against anvil only: deploys contracts/TestToken.sol (compiled with the
// pinned solc-js) from the node's first unlocked development account, or mints on an existing
// one, and prints the token's address.
//
//   node verifier/scripts/test-token.js --rpc http://127.0.0.1:8545 --decimals 6 [--mint UNITS]
//   node verifier/scripts/test-token.js --rpc http://127.0.0.1:8545 --token 0x… --mint UNITS
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function rpc(url, method, params) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function send(url, from, tx) {
  const hash = await rpc(url, 'eth_sendTransaction', [{ from, ...tx }]);
  for (;;) {
    const receipt = await rpc(url, 'eth_getTransactionReceipt', [hash]);
    if (receipt) {
      if (receipt.status !== '0x1') throw new Error(`transaction ${hash} failed`);
      return receipt;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const word = (n) => BigInt(n).toString(16).padStart(64, '0');
const text = (s) => word(s.length) + Buffer.from(s).toString('hex').padEnd(64 * Math.ceil(s.length / 32), '0');

async function main() {
  const url = arg('rpc');
  if (!url) throw new Error('--rpc URL is required');
  const [from] = await rpc(url, 'eth_accounts', []);
  let token = arg('token');
  if (!token) {
    const source = fs.readFileSync(path.join(__dirname, '..', 'contracts', 'TestToken.sol'), 'utf8');
    const input = {
      language: 'Solidity',
      sources: { 'TestToken.sol': { content: source } },
      settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
    };
    const out = JSON.parse(solc.compile(JSON.stringify(input)));
    const code = out.contracts['TestToken.sol'].TestToken.evm.bytecode.object;
    const args = word(96) + word(160) + word(arg('decimals', '6')) + text('Test Treasury Fund') + text('TTF');
    token = (await send(url, from, { data: `0x${code}${args}` })).contractAddress;
  }
  const units = arg('mint');
  if (units) {
    await send(url, from, { to: token, data: `0x40c10f19${word(BigInt(from))}${word(units)}` });
  }
  process.stdout.write(`${token}\n`);
}

main().catch((e) => {
  process.stderr.write(`test-token.js: ${e.message}\n`);
  process.exit(1);
});
