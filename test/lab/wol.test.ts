/**
 * Wake-on-LAN across the lab's bridge: the real WolSender in the appliance namespace sends the
 * magic packet; a listener on UDP 9 in a host namespace receives it on the subnet's directed
 * broadcast and checks every byte; the sender then waits until the host accepts SSH (its agent
 * opens port 22). A host outside the scope is refused and its listener gets nothing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { magicPacket } from '../../daemon/deploy/wol.js';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { waitFor } from '../support/wait-for.js';
import { tsxInNamespace } from './helpers/in-namespace.js';

const skip = labUnavailableReason();

const LISTENER = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => console.log(JSON.stringify({ hex: m.toString('hex'), from: r.address })));
s.bind(9, '0.0.0.0', () => console.log('listening'));
`;

interface Listener {
  child: ChildProcess;
  lines: string[];
}

const listen = (ns: string): Promise<Listener> =>
  new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LISTENER], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) {
        if (line === 'listening') resolve({ child, lines });
        else lines.push(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
  });

describe('Wake-on-LAN in the lab', { skip }, () => {
  let lab: Lab;
  const listeners: Listener[] = [];

  before(async () => {
    lab = await createLab(
      {
        name: `pdx${randomBytes(2).toString('hex')}`,
        hosts: [
          {
            kind: 'ports',
            label: 'sleeper',
            tcp: [{ port: 22, banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' }],
          },
          { kind: 'ports', label: 'outside', tcp: [{ port: 22, banner: 'SSH-2.0-OpenSSH_9.2p1' }] },
        ],
      },
      { cleanupOnExit: true },
    );
    listeners.push(await listen(lab.host('sleeper').ns), await listen(lab.host('outside').ns));
  });

  after(async () => {
    for (const l of listeners) l.child.kill('SIGKILL');
    await lab?.down();
  });

  const send = async (address: string, include: string[], secureOn?: string) =>
    JSON.parse(
      await tsxInNamespace(lab.applianceNs, [
        'test/lab/helpers/wol-send.ts',
        JSON.stringify({ mac: lab.host('sleeper').mac, address, include, secureOn, deadlineMs: 20_000 }),
      ]),
    ) as { ok: boolean; kind?: string; reason?: string };

  it('the host receives the exact magic packet on the broadcast address, then answers SSH', async () => {
    const sleeper = lab.host('sleeper');
    const result = await send(sleeper.ip, [`${sleeper.ip}/32`], 'de:ad:be:ef');
    assert.deepEqual(result, { ok: true });
    await waitFor(() => listeners[0]!.lines.length > 0, 'the magic packet', 5000);
    const got = JSON.parse(listeners[0]!.lines[0]!) as { hex: string; from: string };
    assert.equal(got.hex, magicPacket(sleeper.mac, 'de:ad:be:ef').toString('hex'));
    assert.equal(got.from, lab.applianceIp, 'sent from the interface facing the host');
    // A directed broadcast reaches every host on the subnet (the NIC matches its own MAC).
    await waitFor(() => listeners[1]!.lines.length > 0, 'the broadcast at the other host', 5000);
  });

  it('an address outside the scope is refused and nothing is sent', async () => {
    const before = listeners.map((l) => l.lines.length);
    const result = await send(lab.host('outside').ip, [`${lab.host('sleeper').ip}/32`]);
    assert.equal(result.ok, false);
    assert.equal(result.kind, 'permanent');
    assert.match(result.reason ?? '', /in no scope of management/);
    assert.deepEqual(
      listeners.map((l) => l.lines.length),
      before,
    );
  });
});
