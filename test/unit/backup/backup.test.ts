/**
 * The backup archive: a round trip of a data directory (cache, lock and temp files left out), and
 * every way an archive can be wrong: passphrase, a flipped bit, cut short, bytes added, a header
 * changed, and crafted archives whose names climb out, are absolute or repeat, or that lack a
 * state file. None of them leaves anything behind. The swap finishes from any crash point.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { createGzip } from 'node:zlib';
import { finishRestore, skipInBackup, stageRestore, writeBackup } from '../../../daemon/backup/backup.js';
import { sealStream } from '../../../daemon/backup/sealed-stream.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const PASS = 'correct horse battery staple';
const BIG = randomBytes(3 << 20);

const collect = async (dataDir: string, passphrase = PASS): Promise<Buffer> => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeBackup(dataDir, out, passphrase, skipInBackup('cache'));
  return Buffer.concat(chunks);
};

const site = (dir: string) => {
  mkdirSync(join(dir, 'hosts'), { recursive: true });
  mkdirSync(join(dir, 'cache/blobs'), { recursive: true });
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ schemaVersion: 3, secret: 'ab'.repeat(32) }));
  writeFileSync(join(dir, 'site-key.json'), '{"private":"k"}', { mode: 0o600 });
  writeFileSync(join(dir, 'hosts/known_hosts.json'), '{"h":"SHA256:x"}');
  writeFileSync(join(dir, 'hosts/big.bin'), BIG); // incompressible: several sealed chunks
  writeFileSync(join(dir, 'cache/blobs/aa'), 'a cached package');
  writeFileSync(join(dir, '.lock'), '{}');
  writeFileSync(join(dir, 'state.json.tmp-1-abcd'), 'half');
};

const stage = (archive: Buffer, into: string, passphrase = PASS) =>
  stageRestore(into, Readable.from([archive.subarray(0, 1000), archive.subarray(1000)]), passphrase);

test('a backup restores onto a fresh data directory: the same files, no cache, lock or temp files', async (t) => {
  const from = await tempDir(t);
  site(from);
  const archive = await collect(from);
  assert.ok(!archive.includes(Buffer.from('a cached package')), 'nothing readable in the archive');
  const root = await tempDir(t);
  const to = join(root, 'fresh');
  const { files } = await stage(archive, to);
  assert.equal(files, 4);
  assert.equal(existsSync(to), false, 'nothing in place until the swap');
  await finishRestore(to, memoryLogger());
  assert.deepEqual(readdirSync(to).sort(), ['hosts', 'site-key.json', 'state.json']);
  assert.equal(readFileSync(join(to, 'site-key.json'), 'utf8'), '{"private":"k"}');
  assert.deepEqual(readFileSync(join(to, 'hosts/big.bin')), BIG);
  assert.deepEqual(readdirSync(root).sort(), ['fresh'], 'staging and marker gone');
});

test('wrong passphrase, flipped bits, truncation, extra bytes and a changed header are refused and leave nothing', async (t) => {
  const from = await tempDir(t);
  site(from);
  const archive = await collect(from);
  const root = await tempDir(t);
  const to = join(root, 'data');
  mkdirSync(to);
  writeFileSync(join(to, 'state.json'), 'the current state');
  const flip = (at: number) => {
    const b = Buffer.from(archive);
    b[at] = b[at]! ^ 1;
    return b;
  };
  const cases: [string, Buffer, RegExp, string?][] = [
    ['wrong passphrase', archive, /wrong passphrase, or the backup is damaged/, 'not the passphrase at all'],
    ['a bit flipped mid-way', flip(Math.floor(archive.length / 2)), /chunk \d+ is damaged|wrong passphrase/],
    ['a header byte changed', flip(20), /wrong passphrase, or the backup is damaged/],
    ['cut short', archive.subarray(0, archive.length - 100), /cut short|damaged/],
    ['cut at a chunk boundary', archive.subarray(0, 36 + 4 + (1 << 20) + 16), /cut short/],
    ['bytes added', Buffer.concat([archive, Buffer.from('junk')]), /after its last chunk|impossible length/],
    [
      'not a backup',
      Buffer.from('PK\x03\x04 a zip file, long enough to have a header........'),
      /not a Patch Depot backup/,
    ],
    ['empty', Buffer.alloc(0), /shorter than its header/],
  ];
  for (const [what, bytes, why, pass] of cases) {
    await assert.rejects(stage(bytes, to, pass ?? PASS), why, what);
    assert.deepEqual(readdirSync(root), ['data'], `${what}: no staging left`);
    assert.equal(readFileSync(join(to, 'state.json'), 'utf8'), 'the current state', what);
  }
});

/** A correctly sealed archive of hand-made entries: what an attacker with the passphrase could craft. */
const crafted = async (entries: [string, string][], end = true): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for (const [name, body] of entries) {
    const n = Buffer.from(name);
    const h = Buffer.alloc(2 + n.length + 12);
    h.writeUInt16BE(n.length, 0);
    n.copy(h, 2);
    h.writeUInt32BE(0o600, 2 + n.length);
    h.writeBigUInt64BE(BigInt(body.length), 6 + n.length);
    parts.push(h, Buffer.from(body));
  }
  if (end) parts.push(Buffer.alloc(2));
  const out: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from(parts), createGzip(), await sealStream(PASS), sink);
  return Buffer.concat(out);
};

test('crafted archives cannot write outside the staging directory, repeat a name, or lack a state file', async (t) => {
  const root = await tempDir(t);
  const to = join(root, 'data');
  const state = ['state.json', '{"schemaVersion":3,"secret":"x"}'] as [string, string];
  for (const [name, why] of [
    ['../escape', /refused \(an empty, \. or \.\. segment\)/],
    ['hosts/../../escape', /refused/],
    ['/etc/passwd', /refused \(not a relative path\)/],
    ['a\\b', /refused/],
    ['new\nline', /refused \(control characters\)/],
    ['', /./],
  ] as const) {
    await assert.rejects(stage(await crafted([state, [name, 'x']]), to), why, name);
  }
  await assert.rejects(stage(await crafted([state, state]), to), /appears twice/);
  await assert.rejects(stage(await crafted([['hosts.json', '{}']]), to), /no valid state\.json/);
  await assert.rejects(stage(await crafted([state], false), to), /cut short/);
  assert.deepEqual(readdirSync(root), [], 'nothing was written anywhere');
});

test('the swap finishes from wherever a crash left it, and keeps the old state aside', async (t) => {
  const from = await tempDir(t);
  site(from);
  const archive = await collect(from);
  const root = await tempDir(t);
  const to = join(root, 'data');
  mkdirSync(to);
  writeFileSync(join(to, 'state.json'), 'old');
  await stage(archive, to);
  // A crash after the old directory was moved aside but before the new one took its place.
  const { renameSync } = await import('node:fs');
  renameSync(to, `${to}.before-restore-crash`);
  await finishRestore(to, memoryLogger());
  assert.match(readFileSync(join(to, 'state.json'), 'utf8'), /schemaVersion/);
  assert.equal(readFileSync(join(`${to}.before-restore-crash`, 'state.json'), 'utf8'), 'old');
  assert.deepEqual(await finishRestore(to, memoryLogger()), { restored: false }, 'nothing pending any more');
  await stage(archive, to);
  const { previous } = await finishRestore(to, memoryLogger());
  assert.ok(previous && existsSync(previous), 'the state before the restore is kept aside');
});

test('a short passphrase is refused before anything is written', async (t) => {
  const from = await tempDir(t);
  site(from);
  await assert.rejects(collect(from, 'short'), /at least 12 characters/);
});

test('a file written while the listed files are read (a report batch, a journal) is in the archive too', async (t) => {
  const { listFiles, packEntries } = await import('../../../daemon/backup/archive.js');
  const dir = await tempDir(t);
  site(dir);
  const skip = skipInBackup('cache');
  const files = await listFiles(dir, skip);
  const chunks: Buffer[] = [];
  for await (const chunk of packEntries(dir, files, () => listFiles(dir, skip))) {
    // An assessment writes its batch, then the remediation.json naming it, after the listing.
    if (chunks.length === 0) {
      mkdirSync(join(dir, 'reports/fixed'), { recursive: true });
      writeFileSync(join(dir, 'reports/fixed/b1.json'), '{"batch":1}');
    }
    chunks.push(chunk);
  }
  const archive = Buffer.concat(chunks);
  assert.ok(archive.includes(Buffer.from('reports/fixed/b1.json')), 'the new batch is there');
  assert.ok(archive.includes(Buffer.from('{"batch":1}')));
  assert.equal(
    archive.indexOf(Buffer.from('hosts/known_hosts.json')),
    archive.lastIndexOf(Buffer.from('hosts/known_hosts.json')),
    'nothing twice',
  );
});
