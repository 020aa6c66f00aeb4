import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { HttpServer } from '../../../daemon/http-server.js';
import { memoryLogger } from '../../fakes/log.js';

test('stop() cuts a response that outlives the grace period instead of hanging', async () => {
  const log = memoryLogger();
  const server = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    log,
    // A download that never ends.
    fetch: () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) })),
  });
  await server.start();
  const socket = connect(server.address!.port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  await server.stop(200);
  await closed;
  assert.ok(log.lines.some((l) => l.msg === 'closing connections still busy after the grace period'));
});
