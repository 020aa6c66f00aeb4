#!/usr/bin/env node
// Run the node:test suites under the given folders (default: all of test/). Node 20 has no glob
// support in `node --test`, so the files are listed here. Extra flags after `--` go to node.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const roots = (split === -1 ? args : args.slice(0, split)).filter(Boolean);
const extra = split === -1 ? [] : args.slice(split + 1);

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' || name === 'node_modules' ? [] : walk(path);
    return /\.test\.tsx?$/.test(name) ? [path] : [];
  });

const files = (roots.length ? roots : ['test'])
  .flatMap((root) => (statSync(root).isDirectory() ? walk(root) : [root]))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    // A test that hangs fails after 5 minutes, and a file whose servers outlive its tests still
    // ends: CI reports a failure instead of running into its own time limit.
    '--test-timeout=300000',
    '--test-force-exit',
    ...extra,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
