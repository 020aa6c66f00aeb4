/**
 * The TFTP server of the real daemon (`patch-depot serve` with tftp enabled on port 69) inside
 * the lab's appliance namespace, fetched by a device namespace with atftp (and curl): a 40 MB file across
 * the block rollover at blksize 512 and 1468, windowsize 1 and 16, on a clean link and with 5%
 * of packets dropped in both directions (nft `numgen random mod 100 < 5 drop` in the device's
 * namespace, this kernel has no netem; the option handshake is spared, see TFTP_BLOCKS). Each fetch must give the exact sha256. A device outside
 * the allowed clients gets silence.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { hasCommand, labUnavailableReason } from '../../scripts/lab/netns.js';
import { nftAvailable, setUdpLoss, TFTP_BLOCKS } from '../../scripts/lab/packet-filter.js';
import { atftpGet, BLOCK_AND_WINDOW } from '../support/atftp.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';

const run = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const skip =
  labUnavailableReason() ??
  (nftAvailable() ? undefined : 'nft is needed for packet loss (apt-get install nftables)') ??
  (hasCommand('atftp') ? undefined : 'atftp missing');

describe('TFTP in the lab', { skip }, () => {
  let lab: Lab;
  let daemon: Background;
  let dir: string;
  const big = randomBytes(40_000_000 + 777);
  // Under loss a dropped ACK can cost atftp's own 5 s timer; 0.5 MB keeps the run short.
  const lossy = randomBytes(500_000 + 333);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-tftp-lab-'));
    lab = await createLab(
      {
        name: `tf${randomBytes(2).toString('hex')}`,
        hosts: [
          { kind: 'ping', label: 'phone' },
          { kind: 'ping', label: 'other' },
        ],
      },
      { cleanupOnExit: true },
    );
    const root = join(dir, 'tftp');
    await mkdir(join(root, 'fw'), { recursive: true });
    await writeFile(join(root, 'fw', 'big.bin'), big);
    await writeFile(join(root, 'fw', 'lossy.bin'), lossy);
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ tftp: { enabled: true, port: 69, clients: [`${lab.host('phone').ip}/32`] } }),
    );
    daemon = await startInNamespace(lab.applianceNs, ['daemon/main.ts', 'serve'], /TFTP server listening/, {
      PATCH_DEPOT_DATA_DIR: dir,
      PATCH_DEPOT_HOST: lab.applianceIp,
      PATCH_DEPOT_PORT: '0',
      PATCH_DEPOT_CACHE_PROXY_PORT: '0',
      PATCH_DEPOT_LOG_FORMAT: 'json',
    });
  });

  after(async () => {
    await daemon?.stop();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const fetch = async (ns: string, file: string, blksize: number, windowsize: number): Promise<Buffer> => {
    const out = join(dir, `got-${blksize}-${windowsize}-${Date.now()}`);
    // No `timeout` option: the server's measured retransmission timer is what is under test.
    const options = { blksize, windowsize };
    await atftpGet({ ns, server: lab.applianceIp, port: 69, file, out, options, timeoutSeconds: 300 });
    return readFile(out);
  };

  for (const loss of [0, 5]) {
    for (const [blksize, windowsize] of BLOCK_AND_WINDOW) {
      const [file, body] = loss ? (['fw/lossy.bin', lossy] as const) : (['fw/big.bin', big] as const);
      it(`${(body.length / 1e6).toFixed(1)} MB at blksize ${blksize}, windowsize ${windowsize}, ${loss}% loss both ways: exact bytes`, async () => {
        const ns = lab.host('phone').ns;
        await setUdpLoss(ns, loss, TFTP_BLOCKS);
        assert.equal(sha(await fetch(ns, file, blksize, windowsize)), sha(body));
      });
    }
  }

  // Clean only: under loss curl's TFTP client gives up with error 55 within a second (its own
  // retry logic, not a reply from the server), so the loss cases use atftp.
  it(`curl tftp:// (blksize 512, windowsize 1), 40 MB: exact bytes`, async () => {
    const ns = lab.host('phone').ns;
    await setUdpLoss(ns, 0);
    const out = join(dir, 'curl.bin');
    await run('ip', [
      'netns',
      'exec',
      ns,
      'curl',
      '-sS',
      '--max-time',
      '300',
      '-o',
      out,
      `tftp://${lab.applianceIp}/fw/big.bin`,
    ]);
    assert.equal(sha(await readFile(out)), sha(big));
  });

  it('a device outside the allowed clients gets no answer at all', async () => {
    const ns = lab.host('other').ns;
    const tried = await atftpGet({
      ns,
      server: lab.applianceIp,
      port: 69,
      file: 'fw/big.bin',
      out: join(dir, 'never'),
      options: { timeout: 1 },
      timeoutSeconds: 20,
    }).then(
      () => 'fetched',
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    assert.notEqual(tried, 'fetched');
    assert.doesNotMatch(tried, /Access violation|File not found|busy/i, 'no TFTP error came back either');
  });
});
