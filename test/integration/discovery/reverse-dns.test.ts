/** Reverse DNS through node's resolver against a tiny PTR server on loopback (no outside DNS). */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { SystemReverseDns } from '../../../daemon/discovery/reverse-dns.js';

const encodeName = (name: string): Buffer =>
  Buffer.concat([
    ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);

/** Answers PTR queries from `records`; NXDOMAIN for anything else; `silent` names get no answer. */
const ptrServer = async (records: Record<string, string>, silent: string[] = []) => {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let o = 12;
    const labels: string[] = [];
    while (query[o]! > 0) {
      labels.push(query.subarray(o + 1, o + 1 + query[o]!).toString());
      o += query[o]! + 1;
    }
    const question = query.subarray(12, o + 5);
    const name = labels.join('.');
    if (silent.includes(name)) return;
    const target = records[name];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(target ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(target ? 1 : 0, 6);
    const parts: Buffer[] = [header, question];
    if (target) {
      const rdata = encodeName(target);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(12, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(300, 6);
      rr.writeUInt16BE(rdata.length, 10);
      parts.push(rr, rdata);
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, close: () => socket.close() };
};

test('reverse DNS: names from PTR records, nothing for unknown or unanswered addresses', async (t) => {
  const server = await ptrServer({ '5.0.0.10.in-addr.arpa': 'Printer.Office.LAN' }, [
    '7.0.0.10.in-addr.arpa',
  ]);
  t.after(() => server.close());
  const dns = new SystemReverseDns([`127.0.0.1:${server.port}`]);
  assert.deepEqual(await dns.lookup('10.0.0.5', 1000), ['printer.office.lan']);
  assert.deepEqual(await dns.lookup('10.0.0.6', 1000), []);
  assert.deepEqual(await dns.lookup('10.0.0.7', 300), [], 'a server that never answers costs one deadline');
});
