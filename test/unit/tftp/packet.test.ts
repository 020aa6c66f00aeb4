import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relativeName, TftpRefusal } from '../../../daemon/tftp/file-access.js';
import { negotiate } from '../../../daemon/tftp/options.js';
import {
  decode,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
} from '../../../daemon/tftp/packet.js';

test('requests decode with mode and options; names are case-insensitive, the first of a repeat counts', () => {
  const p = decode(encodeRequest('read', 'fw/SIP.ld', 'OCTET', { BLKSIZE: '1468', tsize: '0' }));
  assert.equal(p.kind, 'request');
  if (p.kind !== 'request') return;
  assert.equal(p.filename, 'fw/SIP.ld');
  assert.equal(p.mode, 'octet');
  assert.deepEqual(
    [...p.options],
    [
      ['blksize', '1468'],
      ['tsize', '0'],
    ],
  );
  const twice = decode(Buffer.from('\0\x01f\0octet\0blksize\x00512\0blksize\x001024\0', 'latin1'));
  assert.equal(twice.kind === 'request' && twice.options.get('blksize'), '512');
});

test('malformed datagrams decode to "bad", never throw', () => {
  for (const raw of [
    '',
    '\0',
    '\0\x01',
    '\0\x01name',
    '\0\x01name\0octet',
    '\0\x01n\0octet\0blksize\0',
    '\0\x09xx',
    '\0\x04\0\x01\0',
  ]) {
    assert.equal(decode(Buffer.from(raw, 'latin1')).kind, 'bad', JSON.stringify(raw));
  }
  assert.equal(
    decode(Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(600, 0x41), Buffer.from('\0octet\0')])).kind,
    'bad',
  );
});

test('encoders write the RFC 1350 layouts; block numbers keep their low 16 bits', () => {
  assert.deepEqual([...encodeAck(65537)], [0, 4, 0, 1]);
  assert.deepEqual([...encodeData(65536, Buffer.from('ab'))], [0, 3, 0, 0, 0x61, 0x62]);
  assert.deepEqual([...encodeError(1, 'no')], [0, 5, 0, 1, 0x6e, 0x6f, 0]);
  assert.equal(encodeOack(new Map([['tsize', '10']])).toString('latin1'), '\0\x06tsize\x0010\0');
  const err = decode(encodeError(2, 'read-only'));
  assert.deepEqual(err, { kind: 'error', code: 2, message: 'read-only' });
});

test('negotiation caps blksize and windowsize, answers tsize, and leaves out what is out of range', () => {
  const limits = { maxBlksize: 1468, maxWindowsize: 64, defaultTimeoutMs: 1000 };
  const n = negotiate(
    new Map([
      ['blksize', '65464'],
      ['windowsize', '500'],
      ['timeout', '3'],
      ['tsize', '0'],
      ['multicast', ''],
    ]),
    123_456,
    limits,
  );
  assert.deepEqual([n.blksize, n.windowsize, n.timeoutMs], [1468, 64, 3000]);
  assert.deepEqual(
    [...(n.oack ?? [])],
    [
      ['blksize', '1468'],
      ['windowsize', '64'],
      ['timeout', '3'],
      ['tsize', '123456'],
    ],
  );
  const junk = negotiate(
    new Map([
      ['blksize', '7'],
      ['timeout', '0'],
      ['windowsize', 'x'],
    ]),
    1,
    limits,
  );
  assert.equal(junk.oack, undefined, 'nothing acceptable: no OACK, plain RFC 1350');
  assert.deepEqual([junk.blksize, junk.windowsize, junk.timeoutMs], [512, 1, 1000]);
});

test('file names: leading slash and backslashes are relative to the root; .. , control bytes and files being staged are refused', () => {
  assert.equal(relativeName('/pxelinux.0'), 'pxelinux.0');
  assert.equal(relativeName('cisco\\SEP01.cnf.xml'), 'cisco/SEP01.cnf.xml');
  assert.equal(relativeName('./a//b/./c'), 'a/b/c');
  const staging = 'T46U.rom.tmp-1234-0a1b2c3d';
  for (const bad of ['../x', 'a/../../x', 'a\\..\\x', 'a\u0000b', 'é', 'x'.repeat(256), '', '/', staging]) {
    assert.throws(() => relativeName(bad), TftpRefusal, JSON.stringify(bad));
  }
});
