/**
 * The appliance's mDNS responder is a listener every LAN host can reach: a lab host floods it with
 * hostile datagrams (random bytes, truncated and bit-flipped real mDNS, headers claiming thousands
 * of records, compression loops, absurd names), to the group and to its address. The daemon keeps
 * running and answering, and its multicast answers stay within the once-a-second rule, so the
 * flood is not amplified onto the LAN. Discovery's passive mDNS listener, on the same link (a scope
 * covers it), takes the same flood and still hears the printer on the LAN afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { fuzzRun } from '../support/fuzz-seed.js';
import { waitFor } from '../support/wait-for.js';
import { type ApplianceDaemon, startApplianceDaemon } from './helpers/appliance-daemon.js';
import { tsxInNamespace } from './helpers/in-namespace.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';
import { scanFromAssets } from './helpers/ui-client.js';

const skip = labUnavailableReason();
const TOOL = 'test/lab/helpers/mdns-tool.ts';

interface Heard {
  t: number;
  from: string;
  kind: string;
  answers?: Array<{ name: string; ttl: number }>;
}

describe('the mDNS responder under a flood of hostile datagrams', { skip, timeout: 240_000 }, () => {
  let lab: Lab;
  let dir: string;
  let appliance: ApplianceDaemon | undefined;
  let listener: Background | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-mdns-fuzz-'));
    lab = await createLab({
      name: `pdm${randomBytes(4).toString('hex')}`,
      hosts: [
        { kind: 'ping', label: 'attacker' },
        { kind: 'ping', label: 'bystander' },
        {
          kind: 'mdns',
          label: 'printer',
          mdnsHostname: 'lab-printer',
          services: [{ type: 'ipp', name: 'Lab Printer', port: 631 }],
        },
      ],
    });
    appliance = await startApplianceDaemon(lab, dir, {});
    assert.equal(await appliance.saveScope(lab.subnet), 303);
  });
  after(async () => {
    await listener?.stop();
    await appliance?.stop();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ask = async (): Promise<Array<{ data: string }>> =>
    JSON.parse(
      await tsxInNamespace(lab.host('bystander').ns, [TOOL, 'ask', 'patch-depot.local', 'A']),
    ) as Array<{
      data: string;
    }>;

  it('keeps answering, and answers no faster than once a second per record', async (t) => {
    await waitFor(
      async () => (await ask())[0]?.data === lab.applianceIp,
      'patch-depot.local to answer',
      60_000,
    );
    listener = await startInNamespace(
      lab.host('bystander').ns,
      [TOOL, 'listen', lab.host('bystander').ip, lab.applianceIp],
      /ready/,
    );
    const run = fuzzRun(20_000);
    t.diagnostic(`replay: ${run.replay}`);
    const began = Date.now();
    const out = await tsxInNamespace(lab.host('attacker').ns, [
      TOOL,
      'flood',
      String(run.count),
      String(run.seed),
      lab.applianceIp,
    ]);
    assert.equal((JSON.parse(out) as { sent: number }).sent, run.count);

    assert.equal(appliance!.daemon.child.exitCode, null, 'the daemon is still running');
    assert.equal((await appliance!.ui.request('/healthz')).status, 200);
    assert.equal((await ask())[0]?.data, lab.applianceIp, 'and still answers patch-depot.local');
    // On a loaded machine the daemon may still be reading the flood's backlog when the flood tool
    // exits; its answer to the query above means it has read everything sent before, so the flood's
    // window ends here (the browsing below asks again, and its answers are not the flood's).
    const ended = Date.now();
    const seconds = (ended - began) / 1000;
    // A browser asks once at its start; on a loaded machine one round can miss the answer (each
    // record is answered at most once a second), so a bystander may look again, three rounds at most.
    const types = new Set<string>();
    for (let round = 0; round < 3 && !(types.has('patch-depot') && types.has('apt_proxy')); round++) {
      const browsed = JSON.parse(
        await tsxInNamespace(lab.host('bystander').ns, [TOOL, 'browse', '3000']),
      ) as Array<{ address: string; service: { type: string } }>;
      for (const r of browsed) if (r.address === lab.applianceIp) types.add(r.service.type);
    }
    assert.ok(
      types.has('patch-depot') && types.has('apt_proxy'),
      `both services after the flood: ${[...types]}`,
    );

    await listener.stop();
    await waitFor(() => listener!.tail().includes('bySender'), 'the listener to report what it heard');
    const lines = listener
      .tail()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Heard & { bySender?: Record<string, number> });
    const bySender = lines.find((l) => l.bySender)?.bySender ?? {};
    const ours = lines.filter((h) => h.kind === 'response' && h.t <= ended);
    assert.ok((bySender[lab.host('attacker').ip] ?? 0) > run.count / 4, 'the listener heard the flood');
    assert.ok(ours.length > 0, 'the real queries in the flood were answered');
    // Each of the appliance's ~12 records may be multicast once a second, probe defence aside.
    const bound = 12 * (Math.ceil(seconds) + 2);
    t.diagnostic(
      `${run.count} datagrams in ${seconds.toFixed(1)} s; ${ours.length} multicast answers (bound ${bound})`,
    );
    assert.ok(ours.length <= bound, `answers were not amplified: ${ours.length} in ${seconds.toFixed(1)} s`);
  });

  it('the passive discovery listener, flooded too, still hears the printer', async () => {
    await scanFromAssets(appliance!.ui, appliance!.csrf);
    const page = await appliance!.ui.text('/assets?q=lab-printer');
    assert.match(page, /lab-printer\.local/, 'the printer by its mDNS name after the flood');
    assert.equal(appliance!.daemon.child.exitCode, null, 'the daemon is still running');
  });
});

if (skip) console.log(`# mDNS fuzz lab skipped: ${skip}`);
