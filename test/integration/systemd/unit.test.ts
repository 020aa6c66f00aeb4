/** The shipped systemd unit is valid and keeps its hardening (systemd-analyze, offline). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const unit = fileURLToPath(new URL('../../../systemd/patch-depot.service', import.meta.url));
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.status === 0 ? false : 'systemd-analyze not installed (apt-get install systemd)';

const BUNDLED_NODE = '/opt/patch-depot/node/bin/node';

test('systemd-analyze verify accepts the unit', { skip }, (t) => {
  // verify checks that ExecStart's program exists: the bundled Node is only there once the .deb
  // is installed, so this checks a copy that points at the node running the test.
  const text = readFileSync(unit, 'utf8');
  assert.ok(text.includes(`ExecStart=${BUNDLED_NODE} `), 'the unit runs the bundled Node');
  // An unquoted $VAR word: unset or empty, it expands to no argument at all.
  assert.match(
    text,
    /^ExecStart=\S+ \$PATCH_DEPOT_NODE_FLAGS \S+main\.js serve$/m,
    'Node flags from /etc/default',
  );
  const dir = mkdtempSync(join(tmpdir(), 'pd-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'patch-depot.service');
  writeFileSync(copy, text.replaceAll(BUNDLED_NODE, process.execPath));
  const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warnings');
});

test('the unit is Type=notify with a watchdog, and lets the systemd-notify child of the daemon speak', () => {
  const text = readFileSync(unit, 'utf8');
  assert.match(text, /^Type=notify$/m);
  assert.match(text, /^NotifyAccess=all$/m);
  assert.match(text, /^WatchdogSec=\d+s$/m);
  assert.match(text, /^Restart=on-failure$/m);
});

test('the unit stays hardened: exposure at most 2.5, no root, only the needed capabilities', { skip }, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', unit], { encoding: 'utf8' });
  const match = r.stdout.match(/Overall exposure level for \S+: ([\d.]+)/);
  assert.ok(match, r.stdout + r.stderr);
  assert.ok(Number(match[1]) <= 2.5, `exposure ${match[1]}`);
  const text = readFileSync(unit, 'utf8');
  assert.match(text, /^DynamicUser=yes$/m);
  assert.match(text, /^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN CAP_NET_BIND_SERVICE$/m);
  assert.match(text, /^NoNewPrivileges=yes$/m);
  assert.match(text, /^ProtectSystem=strict$/m);
});
