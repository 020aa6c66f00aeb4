/**
 * A /22 in the lab (1,022 addresses, more than the kernel's default neighbour table holds at
 * once): the chunked sweep must still find every live host with its MAC, wherever it sits.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { tsxInNamespace } from './helpers/in-namespace.js';

const skip = labUnavailableReason();

describe('discovery of a /22 in the lab', { skip }, () => {
  let lab: Lab;
  let dataDir: string;
  before(async () => {
    lab = await createLab({
      name: `${process.env.LAB_PREFIX ?? 'w'}${randomBytes(3).toString('hex')}`,
      prefixLength: 22,
      hosts: [
        { kind: 'ping', offset: 20 },
        { kind: 'silent', offset: 300 },
        { kind: 'ping', offset: 600 },
        { kind: 'ping', offset: 1021 },
      ],
    });
    dataDir = await mkdtemp(join(tmpdir(), 'pd-lab-wide-'));
  });
  after(async () => {
    await lab?.down();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finds every live host across all chunks, each with its MAC', async () => {
    assert.match(lab.subnet, /\/22$/);
    const stdout = await tsxInNamespace(
      lab.applianceNs,
      ['daemon/main.ts', 'discover', '--scope', lab.subnet, '--json'],
      { PATCH_DEPOT_DATA_DIR: dataDir },
    );
    const found = JSON.parse(stdout) as Array<{ ip: string; mac: string | null }>;
    assert.deepEqual(
      found.map((f) => [f.ip, f.mac]),
      [[lab.applianceIp, lab.applianceMac], ...lab.hosts.map((h) => [h.ip, h.mac])],
    );
  });
});

if (skip) console.log(`# wide discovery lab test skipped: ${skip}`);
