/**
 * A client that reuses its port for a new request (boot loaders do, after giving up on a file):
 * the new request is served, with the bytes of the file it names, even at one transfer per
 * client; the same request again is still answered by the transfer that has it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encodeAck, encodeRequest, OP } from '../../../daemon/tftp/packet.js';
import { waitFor } from '../../support/wait-for.js';
import { tftpHarness, udpClient } from './tftp-harness.js';

const datas = (got: Buffer[], from: number[], port: number) =>
  got.filter((m, i) => from[i] === port && m.readUInt16BE(0) === OP.DATA);

test('a request for another file from the same port is served that file, not the first one again', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1, giveUpMs: 5000, defaultTimeoutMs: 2000 } });
  await h.put('first.bin', Buffer.alloc(3000, 'A'));
  await h.put('second.bin', Buffer.alloc(700, 'B'));
  const c = await udpClient(t);
  c.send(encodeRequest('read', 'first.bin'), h.port);
  await waitFor(() => c.got.length > 0, 'block 1 of first.bin');
  const firstPort = c.from[0]!;
  assert.equal(c.got[0]!.subarray(4, 8).toString(), 'AAAA');

  // The client gives up on first.bin and asks for second.bin from the same port.
  c.send(encodeRequest('read', 'second.bin'), h.port);
  await waitFor(() => c.from.some((p) => p !== firstPort), 'an answer from a new transfer');
  const secondPort = c.from.find((p) => p !== firstPort)!;
  const [block1] = datas(c.got, c.from, secondPort);
  assert.equal(block1?.readUInt16BE(2), 1);
  assert.equal(block1!.subarray(4).toString(), 'B'.repeat(512), 'the bytes of second.bin');
  c.send(encodeAck(1), secondPort);
  await waitFor(() => datas(c.got, c.from, secondPort).length === 2, 'block 2');
  c.send(encodeAck(2), secondPort);
  await waitFor(() => h.finished.length === 2, 'both transfers over');
  const byFile = new Map(h.finished.map((r) => [r.file, r]));
  assert.equal(byFile.get('second.bin')?.outcome, 'complete');
  assert.equal(byFile.get('first.bin')?.outcome, 'aborted');
  assert.match(byFile.get('first.bin')!.detail, /another file from the same port/);
  const errors = c.got.filter((m) => decode(m).kind === 'error');
  assert.deepEqual(errors, [], 'the dropped transfer sends no error the client could take for the answer');
  assert.equal(h.server.active, 0);
});

test('the same file with other options from the same port gets those options; the same request again, the same transfer', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1, giveUpMs: 5000, defaultTimeoutMs: 2000 } });
  await h.put('fw.bin', Buffer.alloc(3000, 'F'));
  const c = await udpClient(t);
  c.send(encodeRequest('read', 'fw.bin', 'octet', { blksize: '1024' }), h.port);
  await waitFor(() => c.got.length > 0, 'the OACK');
  assert.equal(decode(c.got[0]!).kind, 'oack');
  const firstPort = c.from[0]!;
  // Repeated as it was: answered again by the same transfer, no second one.
  c.send(encodeRequest('read', 'fw.bin', 'octet', { blksize: '1024' }), h.port);
  await waitFor(() => c.got.length > 1, 'the OACK again');
  assert.equal(c.from[1], firstPort);
  // Without options (the client did not understand the OACK): plain block 1 of 512 bytes.
  c.send(encodeRequest('read', 'fw.bin'), h.port);
  await waitFor(() => c.from.some((p) => p !== firstPort), 'a new transfer');
  const secondPort = c.from.find((p) => p !== firstPort)!;
  const [block1] = datas(c.got, c.from, secondPort);
  assert.equal(block1?.readUInt16BE(2), 1);
  assert.equal(block1!.length - 4, 512);
  for (let n = 1; n <= 6; n++) {
    c.send(encodeAck(n), secondPort);
    if (n < 6) await waitFor(() => datas(c.got, c.from, secondPort).length === n + 1, `block ${n + 1}`);
  }
  await waitFor(() => h.finished.some((r) => r.outcome === 'complete'), 'the transfer without options');
  assert.equal(h.finished.find((r) => r.outcome === 'complete')?.blksize, 512);
});

test('a flood of requests for changing files from one port queues only the latest: one transfer of it', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1, giveUpMs: 1000, defaultTimeoutMs: 200 } });
  await h.put('a.bin', Buffer.alloc(100, 'A'));
  await h.put('b.bin', Buffer.alloc(100, 'B'));
  await h.put('last.bin', Buffer.alloc(100, 'L'));
  const c = await udpClient(t);
  // 100 datagrams: well inside the socket receive buffer, so none is lost on the way.
  for (let i = 0; i < 100; i++) c.send(encodeRequest('read', i % 2 ? 'a.bin' : 'b.bin'), h.port);
  c.send(encodeRequest('read', 'last.bin'), h.port);
  await waitFor(
    () => c.got.some((m) => m.readUInt16BE(0) === OP.DATA && m.subarray(4, 5).toString() === 'L'),
    'last.bin',
  );
  const port = c.from[c.got.findIndex((m) => m.subarray(4, 5).toString() === 'L')]!;
  c.send(encodeAck(1), port);
  await waitFor(
    () => h.finished.some((r) => r.file === 'last.bin' && r.outcome === 'complete'),
    'last.bin done',
  );
  await waitFor(() => h.server.active === 0, 'every slot back');
  assert.ok(h.finished.length < 20, `a handful of transfers, not one per datagram (${h.finished.length})`);
});

test('a request for a missing file, superseded before it is refused, sends no error the next request could be taken for', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1, giveUpMs: 5000, defaultTimeoutMs: 2000 } });
  await h.put('good.bin', Buffer.alloc(100, 'G'));
  const c = await udpClient(t);
  // Both in one go: the first is still being looked up when the second arrives.
  c.send(encodeRequest('read', 'missing.bin'), h.port);
  c.send(encodeRequest('read', 'good.bin'), h.port);
  await waitFor(() => c.got.length > 0, 'an answer');
  await waitFor(() => h.finished.some((r) => r.file === 'missing.bin'), 'missing.bin looked up');
  const first = decode(c.got[0]!);
  assert.equal(first.kind, 'data', `the first answer is good.bin's block 1, not ${JSON.stringify(first)}`);
  assert.equal(c.got[0]!.subarray(4, 5).toString(), 'G');
  c.send(encodeAck(1), c.from[0]!);
  await waitFor(() => h.finished.some((r) => r.file === 'good.bin' && r.outcome === 'complete'), 'good.bin');
  assert.deepEqual(
    c.got.filter((m) => decode(m).kind === 'error'),
    [],
  );
});
