/**
 * The real discovery adapters against loopback only: TCP connect outcomes and banners from real
 * listeners, fping/ping sweeping 127.0.0.1, and the neighbour-table parsers on real formats.
 * (mDNS and the neighbour table of a real LAN are tested inside lab namespaces: test/lab.)
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { FpingSweeper, fpingPath, parseFpingOutput } from '../../../daemon/discovery/fping.js';
import {
  KernelNeighbourTable,
  parseIpNeighJson,
  parseProcNetArp,
} from '../../../daemon/discovery/neighbour-table.js';
import { PingSweeper, pingPath } from '../../../daemon/discovery/ping.js';
import { NetTcpProber } from '../../../daemon/discovery/tcp-connect.js';

const servers: Server[] = [];
const listen = (handler: (s: import('node:net').Socket) => void): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer((socket) => {
      // The prober hangs up abruptly once it has what it needs.
      socket.on('error', () => {});
      handler(socket);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

let greeting = 0;
let http = 0;
let closedPort = 0;
before(async () => {
  greeting = await listen((s) => s.end('SSH-2.0-OpenSSH_9.6 Ubuntu-3\r\n'));
  http = await listen((s) =>
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: lighttpd/1.4.69\r\nContent-Length: 0\r\n\r\n')),
  );
  // A port that was free a moment ago: connecting is refused.
  closedPort = await listen(() => {});
  await new Promise<void>((r) => servers.pop()!.close(() => r()));
});
after(() => {
  for (const s of servers) s.close();
});

test('TCP connect: open, refused (host alive) and banners', async () => {
  const tcp = new NetTcpProber();
  assert.equal(await tcp.connect('127.0.0.1', greeting, 2000), 'open');
  assert.equal(await tcp.connect('127.0.0.1', closedPort, 2000), 'closed');
  assert.equal(await tcp.banner('127.0.0.1', greeting, 'greeting', 2000), 'SSH-2.0-OpenSSH_9.6 Ubuntu-3');
  assert.equal(await tcp.banner('127.0.0.1', http, 'http', 2000), 'lighttpd/1.4.69');
  assert.equal(await tcp.banner('127.0.0.1', closedPort, 'greeting', 2000), undefined);
});

test('fping sweeps loopback and parses its output', {
  skip: fpingPath() ? false : 'fping not installed',
}, async () => {
  const alive = await new FpingSweeper(fpingPath()!).sweep(['127.0.0.1'], {
    timeoutMs: 500,
    retries: 0,
    packetsPerSecond: 100,
  });
  assert.ok(alive.has('127.0.0.1'));
  assert.deepEqual(
    [...parseFpingOutput('10.0.0.1 is alive (0.04 ms)\n10.0.0.2 is unreachable\n10.0.0.3 is alive\n')],
    [
      ['10.0.0.1', 0.04],
      ['10.0.0.3', 0],
    ],
  );
});

test('ping fallback sweeps loopback', { skip: pingPath() ? false : 'ping not installed' }, async () => {
  const alive = await new PingSweeper(pingPath()!).sweep(['127.0.0.1'], {
    timeoutMs: 1000,
    retries: 0,
    packetsPerSecond: 100,
  });
  assert.ok(alive.has('127.0.0.1'));
});

test('neighbour table: ip -json and /proc/net/arp formats; the real table reads', async () => {
  const json =
    '[{"dst":"10.0.0.5","dev":"eth0","lladdr":"AA:bb:cc:00:00:05","state":["REACHABLE"]},' +
    '{"dst":"10.0.0.6","dev":"eth0","state":["FAILED"]},' +
    '{"dst":"fe80::1","dev":"eth0","lladdr":"aa:bb:cc:00:00:07","state":["STALE"]}]';
  assert.deepEqual(parseIpNeighJson(json), [
    { ip: '10.0.0.5', mac: 'aa:bb:cc:00:00:05', state: 'REACHABLE', dev: 'eth0' },
  ]);
  const proc =
    'IP address       HW type     Flags       HW address            Mask     Device\n' +
    '10.0.0.5         0x1         0x2         aa:bb:cc:00:00:05     *        eth0\n' +
    '10.0.0.6         0x1         0x0         00:00:00:00:00:00     *        eth0\n';
  assert.deepEqual(parseProcNetArp(proc), [
    { ip: '10.0.0.5', mac: 'aa:bb:cc:00:00:05', state: 'REACHABLE', dev: 'eth0' },
  ]);
  const real = await new KernelNeighbourTable().read();
  assert.ok(Array.isArray(real));
});

test('fping refusing to run is an error, not an empty sweep', {
  skip: fpingPath() ? false : 'fping not installed',
}, async () => {
  // A packet rate fping rejects outright: it exits 1 without reporting any target.
  const sweeper = new FpingSweeper(fpingPath()!);
  await assert.rejects(
    sweeper.sweep(['127.0.0.1'], { timeoutMs: -5, retries: 0, packetsPerSecond: 100 }),
    /fping exited/,
  );
});
