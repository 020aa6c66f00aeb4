/** The shipped systemd unit is valid and keeps its hardening (systemd-analyze, offline). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const unit = fileURLToPath(new URL('../../../systemd/patch-depot.service', import.meta.url));
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.status === 0 ? false : 'systemd-analyze not installed (apt-get install systemd)';

test('systemd-analyze verify accepts the unit', { skip }, () => {
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warnings');
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
