import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClassifyInput, classify } from '../../../daemon/discovery/classify.js';
import { vendorOf } from '../../../daemon/discovery/oui.js';

const input = (extra: Partial<ClassifyInput>): ClassifyInput => ({
  vendor: null,
  openPorts: [],
  services: [],
  hostnames: [],
  banners: {},
  ...extra,
});

test('classes from ports, services, vendor and hostnames, with the evidence listed', () => {
  const cases: Array<[Partial<ClassifyInput>, string]> = [
    [{ openPorts: [9100, 631] }, 'printer'],
    [{ openPorts: [3389, 445, 135] }, 'workstation'],
    [{ openPorts: [22, 80], banners: { '22': 'SSH-2.0-OpenSSH_9.2p1 Ubuntu-4' } }, 'server'],
    [{ openPorts: [62078] }, 'phone'],
    [{ vendor: 'Ubiquiti Inc', openPorts: [22, 443] }, 'network'],
    [{ services: [{ name: 'TV', type: 'googlecast', protocol: 'tcp', port: 8009, txt: {} }] }, 'iot'],
    [{ hostnames: ['johns-iphone.local'] }, 'phone'],
    [{}, 'unknown'],
  ];
  for (const [clues, expected] of cases) {
    const r = classify(input(clues));
    assert.equal(r.deviceClass, expected, JSON.stringify(clues));
    if (expected !== 'unknown') assert.ok(r.evidence.some((e) => e.endsWith(`→ ${expected}`)));
  }
});

test('OS guesses from banners and ports', () => {
  assert.equal(
    classify(input({ openPorts: [22], banners: { '22': 'SSH-2.0-OpenSSH_9.2p1 Debian-2' } })).os,
    'Debian',
  );
  assert.equal(classify(input({ openPorts: [3389] })).os, 'Windows');
  assert.equal(classify(input({})).os, null);
});

test('a tie is reported as unknown, with the tie in the evidence', () => {
  const r = classify(input({ openPorts: [22, 445, 139] }));
  assert.equal(r.deviceClass, 'unknown');
  assert.ok(r.evidence.some((e) => e.startsWith('tie between')));
});

test('vendor lookup from the offline IEEE registry; random (locally administered) MACs have none', () => {
  assert.match(vendorOf('00:1b:a9:12:34:56') ?? '', /Brother/i);
  assert.match(vendorOf('3C-D9-2B-00-00-01') ?? '', /Hewlett/i);
  assert.equal(vendorOf('02:50:44:00:00:01'), undefined);
  assert.equal(vendorOf('not a mac'), undefined);
});
