/**
 * The lab's UDP relay on its own, with a stand-in server on loopback that answers a request from
 * a second socket (a TFTP transfer's own port, its TID) and then talks only from there: the relay
 * learns that port from the first reply, sends the client's later packets to it, answers the
 * client from its listening port, keeps each client on its own upstream socket, and duplicates,
 * holds or spares packets as told. The dice are fixed, so every count is exact.
 */
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type TestContext, test } from 'node:test';
import { type RelayOptions, UdpRelay } from '../../../scripts/lab/udp-relay.js';
import { waitFor } from '../../support/wait-for.js';

interface Heard {
  text: string;
  from: RemoteInfo;
}

const socketOn = async (t: TestContext, heard: Heard[]): Promise<Socket> => {
  const s = createSocket('udp4');
  s.on('message', (msg, from) => heard.push({ text: msg.toString(), from }));
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  t.after(() => s.close());
  return s;
};

/** A request port that answers "r:<msg>" from a transfer port, which answers "t:<msg>". */
const standInServer = async (t: TestContext) => {
  const atRequestPort: Heard[] = [];
  const atTransferPort: Heard[] = [];
  const request = await socketOn(t, atRequestPort);
  const transfer = await socketOn(t, atTransferPort);
  request.on('message', (msg, from) => transfer.send(`r:${msg}`, from.port, from.address));
  transfer.on('message', (msg, from) => transfer.send(`t:${msg}`, from.port, from.address));
  return { port: request.address().port, atRequestPort, atTransferPort };
};

const relayTo = async (t: TestContext, port: number, o: Partial<RelayOptions> = {}) => {
  const relay = new UdpRelay({
    listen: { address: '127.0.0.1', port: 0 },
    server: { address: '127.0.0.1', port },
    duplicatePercent: 0,
    delayPercent: 0,
    maxDelayMs: 0,
    ...o,
  });
  await relay.start();
  t.after(() => relay.stop());
  return relay;
};

test('the relay learns the transfer port from the first reply and answers from its own port', async (t) => {
  const server = await standInServer(t);
  const relay = await relayTo(t, server.port);
  const heard: Heard[] = [];
  const client = await socketOn(t, heard);
  client.send('rrq', relay.port, '127.0.0.1');
  await waitFor(() => heard.length === 1, 'the first reply');
  client.send('ack', relay.port, '127.0.0.1');
  await waitFor(() => heard.length === 2, 'the second reply');
  assert.deepEqual(
    heard.map((h) => [h.text, h.from.port]),
    [
      ['r:rrq', relay.port],
      ['t:ack', relay.port],
    ],
  );
  assert.deepEqual(
    [server.atRequestPort.map((h) => h.text), server.atTransferPort.map((h) => h.text)],
    [['rrq'], ['ack']],
  );
  assert.deepEqual(relay.stats, { forwarded: 4, duplicated: 0, delayed: 0 });
});

test('each client gets its own upstream socket', async (t) => {
  const server = await standInServer(t);
  const relay = await relayTo(t, server.port);
  const heardA: Heard[] = [];
  const heardB: Heard[] = [];
  const a = await socketOn(t, heardA);
  const b = await socketOn(t, heardB);
  a.send('from a', relay.port, '127.0.0.1');
  b.send('from b', relay.port, '127.0.0.1');
  await waitFor(() => heardA.length === 1 && heardB.length === 1, 'both replies');
  assert.deepEqual([heardA[0]!.text, heardB[0]!.text], ['r:from a', 'r:from b']);
  const upstreamPorts = new Set(server.atRequestPort.map((h) => h.from.port));
  assert.equal(upstreamPorts.size, 2);
  assert.ok(!upstreamPorts.has(relay.port), 'requests leave from a per-client socket');
});

test('a duplicated packet arrives twice and a held one still arrives; spared ones are untouched', async (t) => {
  const server = await standInServer(t);
  // random() = 0: every roll under a non-zero percentage wins, and every hold lasts 0 ms.
  const relay = await relayTo(t, server.port, {
    duplicatePercent: 100,
    delayPercent: 100,
    maxDelayMs: 50,
    random: () => 0,
    spare: (msg) => msg.toString().endsWith('spare me'),
  });
  const heard: Heard[] = [];
  const client = await socketOn(t, heard);
  client.send('spare me', relay.port, '127.0.0.1');
  await waitFor(() => heard.length === 1, 'the spared reply');
  assert.deepEqual(relay.stats, { forwarded: 2, duplicated: 0, delayed: 0 });
  client.send('twice', relay.port, '127.0.0.1');
  // Sent twice to the transfer port, each answered, each answer sent twice: four replies.
  await waitFor(() => heard.length === 5, 'the duplicated replies');
  assert.deepEqual(
    heard.slice(1).map((h) => h.text),
    ['t:twice', 't:twice', 't:twice', 't:twice'],
  );
  assert.deepEqual(relay.stats, { forwarded: 5, duplicated: 3, delayed: 6 });
});

test('with no odds the relay passes every packet once, in order', async (t) => {
  const server = await standInServer(t);
  const relay = await relayTo(t, server.port, { random: () => 0.5, duplicatePercent: 10, delayPercent: 10 });
  const heard: Heard[] = [];
  const client = await socketOn(t, heard);
  client.send('0', relay.port, '127.0.0.1');
  await waitFor(() => heard.length === 1, 'the first reply');
  for (let i = 1; i <= 20; i++) client.send(String(i), relay.port, '127.0.0.1');
  await waitFor(() => heard.length === 21, 'every reply');
  assert.deepEqual(
    heard.map((h) => h.text),
    ['r:0', ...Array.from({ length: 20 }, (_, i) => `t:${i + 1}`)],
  );
  assert.deepEqual(relay.stats, { forwarded: 42, duplicated: 0, delayed: 0 });
});
