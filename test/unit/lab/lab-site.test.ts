/**
 * The lab's pure parts for managed sites: the vendor's tracker feed parses with the daemon's own
 * tracker parser and names each fixed version; the plan of a vendor and of managed hosts (names,
 * WAN addresses, defaults, validation); the broadcast the WoL helper sends to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { managedHosts } from '../../../scripts/lab/site.js';
import { planLab } from '../../../scripts/lab/spec.js';
import { trackerFeed, VENDOR_PACKAGES } from '../../../scripts/lab/vendor-repo.js';
import { broadcastOf } from '../../lab/helpers/lab-ssh.js';

test("the vendor's tracker feed parses with the daemon's parser and names every fixed version", () => {
  const feed = parseDebianTracker(trackerFeed('bookworm'));
  assert.equal(feed.advisories.length, VENDOR_PACKAGES.length);
  for (const p of VENDOR_PACKAGES) {
    const adv = feed.advisories.find((a) => a.id === p.cve);
    assert.ok(adv, p.cve);
    assert.deepEqual(adv.cves, [p.cve]);
    assert.equal(adv.severity, p.urgency);
    assert.deepEqual(
      adv.fixes.map((f) => [f.release, f.package, f.fixedVersion]),
      [['debian:bookworm', p.name, p.fixedVersion]],
    );
  }
});

test('a managed site plans a vendor behind its WAN link, with defaults and the awkward hosts', () => {
  const plan = planLab({ name: 'abc', hosts: managedHosts(7), authorizedKeys: ['ssh-ed25519 AAAA k'] });
  assert.ok(plan.vendor, 'managed hosts imply a vendor');
  assert.equal(plan.vendor.ns, 'pdl-abc-vendor');
  assert.match(plan.vendor.ip, /^10\.212\.\d+\.2$/);
  assert.equal(plan.vendor.applianceWanIp, plan.vendor.ip.replace(/\.2$/, '.1'));
  assert.equal(plan.vendor.repoUrl, `http://${plan.vendor.ip}/debian`);
  assert.equal(plan.vendor.feedUrl, `http://${plan.vendor.ip}/tracker.json`);
  assert.deepEqual(
    plan.hosts.map((h) => [h.label, h.managed]),
    [
      ['pilot1', { failPostinst: false, lockSeconds: 0, needsReboot: false, asleep: false, rpm: false }],
      ['pilot2', { failPostinst: false, lockSeconds: 0, needsReboot: false, asleep: false, rpm: false }],
      ['broken', { failPostinst: true, lockSeconds: 0, needsReboot: false, asleep: false, rpm: false }],
      ['locked', { failPostinst: false, lockSeconds: 120, needsReboot: false, asleep: false, rpm: false }],
      ['kernel', { failPostinst: false, lockSeconds: 0, needsReboot: true, asleep: false, rpm: false }],
      ['sleepy', { failPostinst: false, lockSeconds: 0, needsReboot: false, asleep: true, rpm: false }],
      ['srv1', { failPostinst: false, lockSeconds: 0, needsReboot: false, asleep: false, rpm: false }],
    ],
  );
  assert.deepEqual(plan.authorizedKeys, ['ssh-ed25519 AAAA k']);
  assert.equal(plan.workDir, '/tmp/patch-depot-lab/abc');
  assert.equal(
    planLab({ name: 'abc', hosts: [{ kind: 'ping' }] }).vendor,
    undefined,
    'no vendor unless asked',
  );
  const custom = planLab({ name: 'abc', hosts: [], vendor: { port: 8080, rateKbit: 1000 } }).vendor;
  assert.equal(custom?.repoUrl, `http://${custom?.ip}:8080/debian`);
  assert.equal(custom?.rateKbit, 1000);
});

test('bad vendor settings and the reserved vendor label are refused with the field named', () => {
  assert.throws(() => planLab({ name: 'x', hosts: [], vendor: { lossPercent: 100 } }), /lossPercent 100/);
  assert.throws(() => planLab({ name: 'x', hosts: [], vendor: { rateKbit: 1 } }), /rateKbit 1/);
  assert.throws(() => planLab({ name: 'x', hosts: [{ kind: 'ping', label: 'vendor' }] }), /reserved/);
  assert.throws(
    () => planLab({ name: 'x', hosts: [{ kind: 'ping', managed: { lockSeconds: -1 } }] }),
    /lockSeconds -1/,
  );
});

test('the magic packet goes to the subnet-directed broadcast', () => {
  assert.equal(broadcastOf('10.213.5.0/24'), '10.213.5.255');
  assert.equal(broadcastOf('10.213.4.0/22'), '10.213.7.255');
});
