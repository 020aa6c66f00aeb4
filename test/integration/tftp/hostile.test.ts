/**
 * What a hostile or broken LAN host can send the TFTP server: writes, escapes from the root
 * (`..`, absolute paths, symlinks), unknown and over-long names, other modes, clients outside
 * the allow-list, and 10,000 random datagrams. Each gets a TFTP error or silence, nothing outside
 * the root is ever sent, and the server keeps serving afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { decode, ERR, encodeAck, encodeRequest, OP } from '../../../daemon/tftp/packet.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';
import { waitFor } from '../../support/wait-for.js';
import { tftpHarness, udpClient } from './tftp-harness.js';

const CANARY = 'CANARY-outside-the-tftp-root';

const client = udpClient;

/** Send one request and wait for the one reply it gets. */
const ask = async (t: TestContext, port: number, request: Buffer) => {
  const c = await client(t);
  c.send(request, port);
  await waitFor(() => c.got.length > 0, 'a reply');
  return decode(c.got[0]!);
};

const expectError = async (t: TestContext, port: number, request: Buffer, code: number) => {
  const reply = await ask(t, port, request);
  assert.equal(reply.kind, 'error', JSON.stringify(reply));
  if (reply.kind === 'error') assert.equal(reply.code, code, reply.message);
};

test('writes, escapes, unknown and long names and other modes get a TFTP error; nothing outside is read', async (t) => {
  // Many refusals in a row from one address: the reply limit is raised so each one is answered.
  const h = await tftpHarness(t, { limits: { errorsPerSecond: 1000 } });
  await writeFile(join(h.dir, 'canary.txt'), CANARY);
  await mkdir(join(h.dir, 'outside'));
  await writeFile(join(h.dir, 'outside', 'canary.txt'), CANARY);
  await symlink(join(h.dir, 'canary.txt'), join(h.root, 'link-out'));
  await symlink(join(h.dir, 'outside'), join(h.root, 'dir-out'));
  await h.put('ok.cfg', 'good');
  const cases: Array<[Buffer, number]> = [
    [encodeRequest('write', 'new.bin'), ERR.ACCESS],
    [encodeRequest('read', '../canary.txt'), ERR.ACCESS],
    [encodeRequest('read', 'a/../../canary.txt'), ERR.ACCESS],
    [encodeRequest('read', '..\\canary.txt'), ERR.ACCESS],
    [encodeRequest('read', `${h.dir}/canary.txt`), ERR.NOT_FOUND],
    [encodeRequest('read', '/etc/passwd'), ERR.NOT_FOUND],
    [encodeRequest('read', 'link-out'), ERR.ACCESS],
    [encodeRequest('read', 'dir-out/canary.txt'), ERR.ACCESS],
    [encodeRequest('read', 'no-such-file'), ERR.NOT_FOUND],
    [encodeRequest('read', 'x'.repeat(300)), ERR.ACCESS],
    [encodeRequest('read', 'x'.repeat(600)), ERR.ILLEGAL_OP],
    [encodeRequest('read', 'ok.cfg', 'netascii'), ERR.ILLEGAL_OP],
    [encodeRequest('read', 'ok.cfg', 'mail'), ERR.ILLEGAL_OP],
    [encodeRequest('read', 'bad\u0001name'), ERR.ACCESS],
  ];
  for (const [request, code] of cases) await expectError(t, h.port, request, code);
  assert.equal(existsSync(join(h.root, 'new.bin')), false, 'a write request created nothing');
  assert.ok(h.finished.every((r) => r.outcome === 'refused' && r.bytesSent === 0));
  // The same server still serves a good request.
  const reply = await ask(t, h.port, encodeRequest('read', 'ok.cfg'));
  assert.equal(reply.kind, 'data');
});

test('a client outside the allow-list gets silence, and no error is ever sent to it', async (t) => {
  const h = await tftpHarness(t, { allowed: (a) => a !== '127.0.0.2' });
  await h.put('ok.cfg', 'good');
  const outsider = await client(t, '127.0.0.2');
  outsider.send(encodeRequest('read', 'ok.cfg'), h.port);
  outsider.send(encodeRequest('write', 'x'), h.port);
  await waitFor(() => h.refused.filter((r) => r === 'not-allowed').length === 2, 'both requests refused');
  assert.equal(h.errors(), 0);
  assert.equal(h.finished.length, 0);
});

test('transfers are capped per client; a packet from a stranger to a transfer port gets no TFTP answer and changes nothing', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1 } });
  await h.put('big.bin', Buffer.alloc(100_000, 1));
  const first = await client(t);
  first.send(encodeRequest('read', 'big.bin'), h.port);
  await waitFor(() => first.got.length > 0, 'block 1');
  const second = await client(t);
  second.send(encodeRequest('read', 'big.bin'), h.port);
  await waitFor(() => second.got.length > 0, 'the busy answer');
  const busy = decode(second.got[0]!);
  assert.equal(busy.kind, 'error');
  assert.ok(h.refused.includes('busy'));
  // A stranger (another port) writes to the first transfer's own port.
  const transferPort = first.from[0]!;
  assert.notEqual(transferPort, h.port, 'a transfer answers from its own port');
  assert.equal(second.from[0], h.port, 'a refusal comes from the listening port');
  // The transfer's socket is connected to its client (as tftpd-hpa's is): the kernel keeps the
  // stranger's ACK from it, so the stranger can neither advance the transfer nor get data.
  const stranger = await client(t);
  stranger.send(encodeAck(1), transferPort);
  stranger.send(encodeAck(1), transferPort);
  // The first client's transfer goes on: it acknowledges block 1 and gets block 2, once.
  first.send(encodeAck(1), transferPort);
  await waitFor(() => first.got.some((m) => m.readUInt16BE(2) === 2), 'block 2');
  first.send(encodeAck(2), transferPort);
  await waitFor(() => first.got.some((m) => m.readUInt16BE(2) === 3), 'block 3');
  assert.equal(first.got.filter((m) => m.readUInt16BE(2) === 2).length, 1, 'the stray ACKs moved nothing');
  assert.equal(stranger.got.length, 0, 'the stranger hears nothing');
});

test("windowsize 1: a duplicate ACK is not answered with a resend (no sorcerer's apprentice)", async (t) => {
  const h = await tftpHarness(t);
  await h.put('big.bin', Buffer.alloc(100_000, 1));
  const c = await client(t);
  c.send(encodeRequest('read', 'big.bin'), h.port);
  const blocks = (n: number) =>
    c.got.filter((m) => m.readUInt16BE(0) === OP.DATA && m.readUInt16BE(2) === n).length;
  await waitFor(() => blocks(1) > 0, 'block 1');
  const port = c.from[0]!;
  c.send(encodeAck(1), port);
  c.send(encodeAck(1), port);
  c.send(encodeAck(1), port);
  await waitFor(() => blocks(2) > 0, 'block 2');
  c.send(encodeAck(2), port);
  await waitFor(() => blocks(3) > 0, 'block 3');
  // Sends are sequential: a resend of block 2 caused by the duplicates would have come before 3.
  assert.equal(blocks(2), 1);
});

test('a client that goes quiet gets block 1 again with growing gaps, then "timed out", and frees its slot', async (t) => {
  const h = await tftpHarness(t, { limits: { maxPerClient: 1, defaultTimeoutMs: 100, giveUpMs: 1500 } });
  await h.put('big.bin', Buffer.alloc(100_000, 1));
  const quiet = await client(t);
  const at: number[] = [];
  quiet.socket.on('message', () => at.push(performance.now()));
  quiet.send(encodeRequest('read', 'big.bin'), h.port);
  await waitFor(() => h.finished.length === 1, 'the transfer to be given up');
  await waitFor(() => quiet.got.at(-1)?.readUInt16BE(0) === OP.ERROR, 'the error reply');
  assert.equal(h.finished[0]!.outcome, 'timeout');
  const last = decode(quiet.got.at(-1)!);
  assert.equal(last.kind === 'error' ? last.message : last.kind, 'timed out');
  const data = quiet.got.filter((m) => m.readUInt16BE(0) === OP.DATA);
  assert.ok(data.length >= 3 && data.every((m) => m.readUInt16BE(2) === 1), 'only block 1, resent');
  const gaps = at.slice(1, data.length).map((x, i) => x - at[i]!);
  assert.ok(gaps.at(-1)! > 2 * gaps[0]!, `the gaps grow (${gaps.map(Math.round).join(', ')} ms)`);
  // The one slot this client may hold is free again.
  const again = await ask(t, h.port, encodeRequest('read', 'big.bin'));
  assert.equal(again.kind, 'data');
});

test('10,000 random datagrams: errors stay rate-limited, nothing crashes, and the server still serves', async (t) => {
  const h = await tftpHarness(t);
  await h.put('after.bin', Buffer.alloc(5000, 9));
  const run = fuzzRun(10_000);
  t.diagnostic(`replay: ${run.replay}`);
  const rng = new Rng(run.seed);
  const began = Date.now();
  const c = await client(t);
  const names = ['after.bin', '../etc/passwd', '', 'x'.repeat(600)];
  for (let i = 0; i < run.count; i++) {
    const kind = rng.int(4);
    let buf: Buffer;
    if (kind === 0) buf = rng.bytes(rng.int(700));
    else if (kind === 1) {
      // A well-formed opcode with a random body.
      buf = Buffer.concat([Buffer.from([0, 1 + rng.int(6)]), rng.bytes(rng.int(600))]);
    } else if (kind === 2) {
      const opts: Record<string, string> = {};
      for (const o of ['blksize', 'windowsize', 'timeout', 'tsize']) {
        if (rng.chance(0.5)) opts[o] = String(rng.between(-5, 70_000));
      }
      buf = encodeRequest(rng.chance(0.8) ? 'read' : 'write', names[rng.int(names.length)]!, 'octet', opts);
    } else buf = Buffer.from([0, OP.ERROR, 0, 0]);
    c.send(buf, h.port);
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  // Well-formed read requests for after.bin start transfers; let them run out or finish.
  await waitFor(() => h.server.active === 0, 'every transfer started by the flood to end', 60_000);
  // One source: a burst of 10, then 5 a second, however many datagrams it sends.
  const seconds = (Date.now() - began) / 1000;
  assert.ok(
    h.errors() <= 10 + 5 * seconds + 5,
    `error replies were rate-limited (${h.errors()} in ${seconds} s)`,
  );
  // Then a new client is served. It asks again every second until answered, as TFTP clients do:
  // no transfer running does not mean the flood has been read; datagrams of it may still fill the
  // listening socket's receive buffer, and the kernel drops a request that arrives then.
  const fresh = await client(t);
  const request = encodeRequest('read', 'after.bin');
  fresh.send(request, h.port);
  const again = setInterval(() => fresh.send(request, h.port), 1000);
  t.after(() => clearInterval(again));
  await waitFor(() => fresh.got.length > 0, 'a reply to a new client', 20_000);
  clearInterval(again);
  assert.equal(decode(fresh.got[0]!).kind, 'data');
});
