/** The magic packet's bytes, the facing subnet's broadcast, the scope rule, the wait for SSH. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortProbe } from '../../../daemon/deploy/host-return.js';
import { StepFailure } from '../../../daemon/deploy/ports.js';
import { type DatagramSender, facingSubnet, magicPacket, WolSender } from '../../../daemon/deploy/wol.js';
import type { LocalSubnet } from '../../../daemon/discovery/ports.js';
import { SteppingClock } from '../../fakes/stepping-clock.js';

const subnets: LocalSubnet[] = [
  { interface: 'eth0', address: '192.168.1.2', cidr: '192.168.1.0/24', mac: null },
  { interface: 'eth1', address: '10.20.0.1', cidr: '10.20.0.0/22', mac: null },
];

test('magic packet: 6 x FF, then the MAC 16 times, then the SecureOn password', () => {
  const p = magicPacket('02:50:44:AB:00:0a');
  assert.equal(p.length, 102);
  assert.deepEqual([...p.subarray(0, 6)], [255, 255, 255, 255, 255, 255]);
  for (let i = 0; i < 16; i++)
    assert.equal(p.subarray(6 + i * 6, 12 + i * 6).toString('hex'), '025044ab000a');
  assert.equal(magicPacket('02-50-44-ab-00-0a', '01:02:03:04').subarray(102).toString('hex'), '01020304');
  assert.equal(magicPacket('025044ab000a', 'a1:b2:c3:d4:e5:f6').length, 108);
  assert.throws(() => magicPacket('02:50:44:ab:00'), /MAC address/);
  assert.throws(() => magicPacket('02:50:44:ab:00:0a', '01:02:03'), /SecureOn/);
});

test('the directed broadcast of the narrowest attached subnet holding the target', () => {
  assert.deepEqual(facingSubnet(subnets, '10.20.3.7'), { subnet: subnets[1], broadcast: '10.20.3.255' });
  assert.equal(facingSubnet(subnets, '192.168.1.77')?.broadcast, '192.168.1.255');
  assert.equal(facingSubnet(subnets, '172.16.0.5'), undefined);
});

const setup = (open: () => boolean) => {
  const sent: Array<{ packet: Buffer; to: string; port: number; from: string }> = [];
  const send: DatagramSender = async (packet, to, port, from) => {
    sent.push({ packet, to, port, from });
  };
  const probes: string[] = [];
  const probe: PortProbe = async (host, port) => {
    probes.push(`${host}:${port}`);
    return open();
  };
  const clock = new SteppingClock();
  const wol = new WolSender({
    interfaces: { connectedSubnets: () => subnets },
    scopes: () => [{ include: ['192.168.1.0/24'], exclude: ['192.168.1.200-250'] }],
    send,
    probe,
    clock,
    deadlineMs: 120_000,
  });
  return { wol, sent, probes, clock };
};

test('an address outside every scope is refused and nothing is sent', async () => {
  const { wol, sent, probes } = setup(() => true);
  for (const address of ['10.20.0.9', '192.168.1.210']) {
    await assert.rejects(wol.wake({ mac: '02:50:44:ab:00:0a', address }), (e: unknown) => {
      assert.ok(e instanceof StepFailure && e.kind === 'permanent');
      assert.match(e.reason, /in no scope of management/);
      return true;
    });
  }
  assert.equal(sent.length, 0);
  assert.equal(probes.length, 0);
});

test('sends to port 9 at the facing broadcast from the facing address, then waits for SSH', async () => {
  let answers = 0;
  const { wol, sent, probes, clock } = setup(() => ++answers >= 4);
  await wol.wake({ mac: '02:50:44:ab:00:0a', address: '192.168.1.77', secureOn: '01:02:03:04' });
  assert.equal(sent.length, 1);
  assert.deepEqual([sent[0]!.to, sent[0]!.port, sent[0]!.from], ['192.168.1.255', 9, '192.168.1.2']);
  assert.equal(sent[0]!.packet.length, 106);
  assert.deepEqual(probes, Array(4).fill('192.168.1.77:22'));
  assert.deepEqual(clock.slept, [1000, 2000, 4000], 'backoff between tries');
});

test('a host that never answers is unreachable at the deadline', async () => {
  const { wol, clock } = setup(() => false);
  await assert.rejects(wol.wake({ mac: '02:50:44:ab:00:0a', address: '192.168.1.77' }), (e: unknown) => {
    assert.ok(e instanceof StepFailure && e.kind === 'unreachable');
    return true;
  });
  assert.ok(clock.slept.every((ms) => ms <= 15_000));
  assert.equal(
    clock.slept.reduce((a, b) => a + b, 0),
    120_000,
    'slept up to the deadline, not past it',
  );
});
