/**
 * Which firmware goes into the TFTP root and which device should fetch which file: name clashes
 * between manifests, vendor and model matching, the newest version per product, and whether a
 * device fetched its file (across every address it has had).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VendorFile } from '../../../daemon/catalog/model.js';
import {
  deviceRows,
  fetchState,
  firmwareFor,
  matchStrength,
  planFirmware,
} from '../../../daemon/tftp/firmware.js';
import type { TransferRecord } from '../../../daemon/tftp/transfer-log.js';
import { asset } from '../../fakes/host-assets.js';

const file = (over: Partial<VendorFile>): VendorFile => ({
  vendor: 'Yealink',
  product: 'T46U',
  version: '108.86.0.20',
  name: 'T46U.rom',
  sha256: 'a'.repeat(64),
  size: 1000,
  url: 'http://vendor.invalid/T46U.rom',
  models: ['T46U'],
  ...over,
});

const phone = asset({
  ip: '10.0.0.20',
  mac: '80:5e:c0:00:00:01',
  vendor: 'Yealink(Xiamen) Network Technology Co.,Ltd.',
  model: 'SIP-T46U',
});

const transfer = (over: Partial<TransferRecord>): TransferRecord => ({
  at: '2026-12-03T08:00:00.000Z',
  client: '10.0.0.20',
  file: 'T46U.rom',
  outcome: 'complete',
  detail: '1000 bytes',
  size: 1000,
  bytesSent: 1000,
  durationMs: 20,
  blksize: 1468,
  windowsize: 1,
  ...over,
});

test('one file per name: the higher version wins a clash, files without a URL are left out', () => {
  const plan = planFirmware([
    { feedId: 'a', file: file({ version: '108.86.0.9', sha256: 'b'.repeat(64) }) },
    { feedId: 'b', file: file({ version: '108.86.0.20' }) },
    { feedId: 'a', file: file({ name: 'no-url.rom', url: undefined }) },
  ]);
  assert.deepEqual(
    plan.entries.map((e) => [e.name, e.version, e.feedId]),
    [['T46U.rom', '108.86.0.20', 'b']],
  );
  assert.equal(plan.problems.length, 1);
  assert.match(plan.problems[0]!, /listed twice.*serving 108\.86\.0\.20/);
  // The same bytes listed twice are no clash.
  assert.equal(
    planFirmware([
      { feedId: 'a', file: file({}) },
      { feedId: 'b', file: file({}) },
    ]).problems.length,
    0,
  );
});

test("a feed naming another vendor's file with a higher version does not take it over: neither is staged, the clash is reported", () => {
  const phones = file({});
  const hostile = file({ vendor: 'Acme Cameras', product: 'C1', version: '999', sha256: 'e'.repeat(64) });
  for (const order of [
    [phones, hostile],
    [hostile, phones],
  ]) {
    const plan = planFirmware([
      { feedId: 'yealink', file: order[0]! },
      { feedId: 'acme', file: order[1]! },
      { feedId: 'acme', file: file({ ...hostile, name: 'C1.bin' }) },
      { feedId: 'yealink', file: file({ version: '108.86.0.30', sha256: 'f'.repeat(64) }) },
    ]);
    assert.deepEqual(
      plan.entries.map((e) => e.name),
      ['C1.bin'],
      'T46U.rom is neither the phone file nor the camera file',
    );
    assert.equal(plan.problems.length, 1);
    assert.match(
      plan.problems[0]!,
      /T46U\.rom is listed for two products .*Yealink T46U.*Acme Cameras C1|Acme Cameras C1.*Yealink T46U/,
    );
    assert.match(plan.problems[0]!, /neither is staged/);
  }
  // The same product spelled with other case or punctuation is one product: the version decides.
  const same = planFirmware([
    { feedId: 'a', file: file({}) },
    {
      feedId: 'b',
      file: file({ vendor: 'YEALINK', product: 't46-u', version: '108.86.0.30', sha256: 'c'.repeat(64) }),
    },
  ]);
  assert.deepEqual(
    same.entries.map((e) => e.version),
    ['108.86.0.30'],
  );
});

test('a device matches by vendor and, when the file names models, by model', () => {
  assert.equal(matchStrength(phone, file({})), 'model');
  assert.equal(matchStrength(phone, file({ models: undefined })), 'vendor');
  assert.equal(matchStrength(phone, file({ models: ['T54W'] })), undefined, 'another model');
  assert.equal(matchStrength(phone, file({ vendor: 'Polycom' })), undefined, 'another vendor');
  assert.equal(matchStrength({ ...phone, model: null }, file({})), 'vendor', 'model unknown: vendor only');
  assert.equal(matchStrength({ ...phone, vendor: null }, file({})), undefined);
});

test('of several versions of a product the device should fetch the newest; a model match beats a vendor match', () => {
  const older = { ...file({ name: 'old.rom', version: '108.86.0.9' }), feedId: 'a' };
  const newer = { ...file({ name: 'new.rom', version: '108.86.0.20' }), feedId: 'a' };
  const vendorOnly = { ...file({ name: 'any.rom', version: '200', models: undefined }), feedId: 'a' };
  const picks = firmwareFor(phone, [older, vendorOnly, newer]);
  assert.deepEqual(
    picks.map((p) => [p.entry.name, p.strength]),
    [['new.rom', 'model']],
  );
});

test('a device fetched its file when any address it has had completed the transfer', () => {
  const moved = {
    ...phone,
    ip: '10.0.0.99',
    ipHistory: [...phone.ipHistory, { ...phone.ipHistory[0]!, ip: '10.0.0.99' }],
  };
  assert.deepEqual(fetchState(moved, 'T46U.rom', [transfer({})]), {
    state: 'fetched',
    at: '2026-12-03T08:00:00.000Z',
  });
  const failed = fetchState(moved, 'T46U.rom', [
    transfer({ outcome: 'timeout', detail: 'no progress for 30 s' }),
  ]);
  assert.equal(failed.state, 'failed');
  assert.deepEqual(fetchState(moved, 'T46U.rom', [transfer({ client: '10.0.0.5' })]), {
    state: 'not-fetched',
  });
});

test('device rows: matched devices and devices that fetched anything, not-yet-updated first', () => {
  const entries = planFirmware([{ feedId: 'a', file: file({}) }]).entries;
  const printer = asset({ ip: '10.0.0.30', vendor: 'HP Inc.' });
  const ap = asset({ ip: '10.0.0.40', vendor: 'Ubiquiti Inc.' });
  const other = asset({ ip: '10.0.0.21', mac: '80:5e:c0:00:00:02', vendor: phone.vendor, model: 'T46U' });
  const rows = deviceRows(
    [phone, printer, ap, other],
    entries,
    [transfer({}), transfer({ client: '10.0.0.40', file: 'ap.bin' })],
    () => true,
  );
  assert.deepEqual(
    rows.map((r) => [r.asset.ip, r.updated, r.files.length]),
    [
      ['10.0.0.21', false, 1],
      ['10.0.0.40', false, 0],
      ['10.0.0.20', true, 1],
    ],
  );
});
