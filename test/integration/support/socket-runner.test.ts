/**
 * The fuzz runner against a real loopback listener: chunks arrive whole and in order, a silent
 * server ends each connection at its deadline, no more connections are open than asked, and a
 * failing checkpoint stops the run.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import type { After } from '../../support/raw-socket.js';
import { type FuzzInput, runFuzzInputs, timedOut } from '../../support/socket-runner.js';

/** Listen on a free loopback port for this test only. */
const listen = async (t: TestContext, server: Server): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
};

/** Answers `HTTP/1.1 200` once the client half-closes, silent until then; keeps what it got. */
const listener = async (t: TestContext) => {
  const seen = { connections: 0, bodies: [] as string[] };
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    seen.connections++;
    const parts: Buffer[] = [];
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('end', () => {
      seen.bodies.push(Buffer.concat(parts).toString());
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
  });
  return { seen, port: await listen(t, server) };
};

const input = (id: number, after: After, chunks = [Buffer.from(`input ${id}`)]): FuzzInput => ({
  id,
  kind: 'test',
  chunks,
  after,
});

test('chunks arrive whole and in order, and the answer is read', async (t) => {
  const { seen, port } = await listener(t);
  const chunks = Array.from({ length: 50 }, (_, i) => Buffer.from(`${i},`));
  const [outcome] = await runFuzzInputs([input(0, 'end', chunks)], {
    port,
    concurrency: 1,
    deadlineMs: 10_000,
  });
  assert.equal(seen.bodies[0], chunks.join(''));
  assert.deepEqual(outcome, { id: 0, kind: 'test', after: 'end', end: 'closed', status: 200, received: 38 });
});

test('a server that never answers ends each connection at its deadline', async (t) => {
  const port = await listen(
    t,
    createServer({ allowHalfOpen: true }, (socket) => void socket.on('error', () => {})),
  );
  const outcomes = await runFuzzInputs([input(0, 'end'), input(1, 'drop'), input(2, 'read')], {
    port,
    concurrency: 3,
    deadlineMs: 200,
    holdMs: 100,
  });
  assert.deepEqual(
    outcomes.map((o) => [o.after, o.end, timedOut(o)]),
    [
      ['end', 'deadline', true],
      // Held open on purpose: the server may rightly wait for more, so no hang.
      ['drop', 'deadline', false],
      ['read', 'deadline', false],
    ],
  );
});

test('never more connections at once than asked, and outcomes in input order', async (t) => {
  // Connections are held open until the fourth arrives: by then a runner that keeps to 4 has
  // taken exactly 4 inputs (it takes the next only when one of those ends), however fast it is.
  let taken = 0;
  let takenAtFourth: number | undefined;
  const held: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    if (takenAtFourth !== undefined) return void socket.end();
    held.push(socket);
    if (held.length < 4) return;
    takenAtFourth = taken;
    for (const s of held) s.end();
  });
  const port = await listen(t, server);
  const inputs = function* () {
    for (let i = 0; i < 12; i++) {
      taken++;
      yield input(i, 'read');
    }
  };
  const outcomes = await runFuzzInputs(inputs(), {
    port,
    concurrency: 4,
    deadlineMs: 30_000,
    holdMs: 30_000,
  });
  assert.equal(takenAtFourth, 4, 'inputs taken while 4 connections were open');
  assert.deepEqual(
    outcomes.map((o) => [o.id, o.end]),
    Array.from({ length: 12 }, (_, i) => [i, 'closed']),
  );
});

test('checkpoints run every N inputs; one that throws stops the run and the run throws it', async (t) => {
  const { seen, port } = await listener(t);
  const inputs = () => Array.from({ length: 20 }, (_, i) => input(i, 'end'));
  const calls: number[] = [];
  await runFuzzInputs(inputs(), {
    port,
    concurrency: 1,
    deadlineMs: 10_000,
    checkpoint: { every: 5, run: async (done) => void calls.push(done) },
  });
  assert.deepEqual(calls, [5, 10, 15, 20]);
  const before = seen.connections;
  await assert.rejects(
    runFuzzInputs(inputs(), {
      port,
      concurrency: 1,
      deadlineMs: 10_000,
      checkpoint: {
        every: 5,
        run: async () => {
          throw new Error('unhealthy');
        },
      },
    }),
    /unhealthy/,
  );
  assert.equal(seen.connections - before, 5, 'nothing sent after the failed checkpoint');
});
