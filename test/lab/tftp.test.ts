/**
 * The TFTP server of the real daemon (`patch-depot serve` with tftp enabled on port 69) inside
 * the lab's appliance namespace, fetched by real clients in device namespaces: atftp, tftp-hpa's
 * `tftp`, curl `tftp://` and the npm `tftp` client. Each fetch must give the exact sha256.
 *
 * Clean link: the 40 MB file (past the block-number rollover at 512-byte blocks) with every client,
 * atftp at blksize 512 and 1468, windowsize 1 and 16.
 *
 * 5% of DATA and ACK packets dropped in both directions on the device's link (nft on eth0's
 * ingress and egress, see setUdpLoss; the option handshake is spared, see TFTP_BLOCKS). The lossy
 * fetches run at the same time, each from its own device, so the block takes as long as its
 * slowest fetch (about 3 minutes on 2 cores), not the sum. Which fetch gets the 40 MB file:
 * - atftp at windowsize 16, blksize 512 (rollover under loss) and 1468, and curl at blksize 1468:
 *   40 MB, a few minutes at most.
 * - every windowsize-1 fetch of atftp, tftp-hpa and the npm client, and curl at 512: 4 MB. At
 *   windowsize 1 each lost packet costs a retransmission timeout (the server's, 50 ms at least,
 *   for a lost DATA; the client's for a lost ACK it does not repeat), and 40 MB is 27,000 blocks
 *   at 1468 bytes, 78,000 at 512: measured, atftp 1468/w1 took 281 s with a 1 s client timer and
 *   555 s with its default 5 s; curl 512 and tftp-hpa longer still. Too long for a test (5 min
 *   each, the suite under 20 min); the 40 MB at windowsize 1 runs clean here and lossy in the bench.
 * Client timers are shortened where a client waits on its own timer after a lost ACK and the
 * server can do nothing about it: atftp re-ACKs a repeated block only once, then waits 5 s
 * (tftp_file.c, `extra_ack`), so it runs with a 1 s timer (interactive `timeout 1`, no option
 * sent); the npm client never answers a repeated block (reader.js), so its timer is 100 ms.
 * curl (which ACKs every repeated block) and tftp-hpa run as they come.
 *
 * curl used to fail here with error 55 within a second. That was the lab, not the server or
 * curl: the loss was an nft drop in the inet output hook, which makes sendto() fail with EPERM,
 * and curl ends the transfer on a failed send (lib/tftp.c, tftp_rx: `if(sbytes < 0) { failf(...);
 * return CURLE_SEND_ERROR; }`). Loss is now on the link, as on a real wire. Once past that, curl
 * asks for `timeout` = its re-ACK interval (5-6 s, tftp_send_first), and a server that waited that
 * long per lost block took hours: the option now caps the server's measured timer (transfer.ts).
 *
 * A device outside the allowed clients gets silence.
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
import { tsxInNamespace } from './helpers/in-namespace.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';

const run = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const missing = ['atftp', 'curl', 'tftp'].find((c) => !hasCommand(c));
const skip =
  labUnavailableReason() ??
  (nftAvailable() ? undefined : 'nft is needed for packet loss (apt-get install nftables)') ??
  (missing ? `${missing} missing (apt-get install atftp curl tftp-hpa)` : undefined);

/** How one client fetches `file` from `server` into `out`, inside namespace `ns`. */
type Fetch = (ns: string, server: string, file: string, out: string) => Promise<void>;
/**
 * Longest a fetch may take. The lossy 40 MB ones take 155-260 s on a CI runner's 2 cores (atftp at
 * blksize 512, windowsize 16: 78,000 blocks, a window in two losing a block); one was cut at 280 s
 * with the machine also busy elsewhere. Their time is measured by `npm run bench tftp`; here only
 * their bytes are checked, so the limit leaves room.
 */
const LIMIT_S = 420;

const atftp =
  (blksize: number, windowsize: number, clientTimerSeconds?: number): Fetch =>
  (ns, server, file, out) =>
    atftpGet({
      ns,
      server,
      port: 69,
      file,
      out,
      // No `timeout` option: the server's measured retransmission timer is what is under test.
      options: { blksize, windowsize },
      timeoutSeconds: LIMIT_S,
      ...(clientTimerSeconds ? { clientTimerSeconds } : {}),
    });

const curl =
  (blksize: number): Fetch =>
  async (ns, server, file, out) => {
    const args = ['-sS', '--max-time', String(LIMIT_S), '--tftp-blksize', String(blksize), '-o', out];
    await run('ip', ['netns', 'exec', ns, 'curl', ...args, `tftp://${server}/${file}`]);
  };

/** tftp-hpa's client: RFC 1350 only (512-byte blocks, windowsize 1). */
const tftpHpa: Fetch = async (ns, server, file, out) => {
  const args = [server, '69', '-m', 'binary', '-c', 'get', file, out];
  await run('ip', ['netns', 'exec', ns, 'timeout', String(LIMIT_S), 'tftp', ...args]);
};

const npm =
  (blksize: number, windowsize: number, timerMs = 0): Fetch =>
  async (ns, server, file, out) => {
    const args = [server, '69', file, String(blksize), String(windowsize), out, String(timerMs)];
    await tsxInNamespace(ns, ['test/support/npm-tftp-cli.ts', ...args]);
  };

const CLEAN: Array<[string, Fetch]> = [
  ...BLOCK_AND_WINDOW.map(([b, w]): [string, Fetch] => [`atftp blksize ${b}, windowsize ${w}`, atftp(b, w)]),
  ['curl tftp:// blksize 512', curl(512)],
  ['tftp-hpa tftp (512, windowsize 1)', tftpHpa],
  ['npm tftp blksize 1468, windowsize 1', npm(1468, 1)],
  ['npm tftp blksize 1468, windowsize 16', npm(1468, 16)],
];

/** [label, lab host, fetch, big file?]: each lossy fetch from its own device, all at once. */
const LOSSY: Array<[string, string, Fetch, boolean]> = [
  ['atftp blksize 512, windowsize 16', 'l1', atftp(512, 16, 1), true],
  ['atftp blksize 1468, windowsize 16', 'l2', atftp(1468, 16, 1), true],
  ['curl tftp:// blksize 1468', 'l3', curl(1468), true],
  ['atftp blksize 512, windowsize 1', 'l4', atftp(512, 1, 1), false],
  ['atftp blksize 1468, windowsize 1', 'l5', atftp(1468, 1, 1), false],
  ['tftp-hpa tftp (512, windowsize 1)', 'l6', tftpHpa, false],
  ['npm tftp blksize 1468, windowsize 1', 'l7', npm(1468, 1, 100), false],
  ['curl tftp:// blksize 512', 'l8', curl(512), false],
];

describe('TFTP in the lab', { skip }, () => {
  let lab: Lab;
  let daemon: Background;
  let dir: string;
  const big = randomBytes(40_000_000 + 777);
  const mid = randomBytes(4_000_000 + 333);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-tftp-lab-'));
    const lossyHosts = LOSSY.map(([, label]) => ({ kind: 'ping' as const, label }));
    lab = await createLab(
      {
        name: `${process.env.LAB_PREFIX ?? 'pdt'}${randomBytes(3).toString('hex')}`,
        hosts: [{ kind: 'ping', label: 'phone' }, { kind: 'ping', label: 'other' }, ...lossyHosts],
      },
      { cleanupOnExit: true },
    );
    const root = join(dir, 'tftp');
    await mkdir(join(root, 'fw'), { recursive: true });
    await writeFile(join(root, 'fw', 'big.bin'), big);
    await writeFile(join(root, 'fw', 'mid.bin'), mid);
    const clients = lab.hosts.filter((h) => h.label !== 'other').map((h) => `${h.ip}/32`);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ tftp: { enabled: true, port: 69, clients } }));
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

  const fetched = async (fetch: Fetch, host: string, file: string): Promise<Buffer> => {
    const out = join(dir, `got-${host}-${randomBytes(4).toString('hex')}`);
    await fetch(lab.host(host).ns, lab.applianceIp, file, out);
    const got = await readFile(out);
    await rm(out);
    return got;
  };

  describe('40 MB on a clean link', () => {
    for (const [label, fetch] of CLEAN) {
      it(`${label}: exact bytes`, async () => {
        assert.equal(sha(await fetched(fetch, 'phone', 'fw/big.bin')), sha(big));
      });
    }
  });

  describe('5% loss both ways, every fetch at once', {
    concurrency: true,
    timeout: (LIMIT_S + 60) * 1000,
  }, () => {
    for (const [label, host, fetch, isBig] of LOSSY) {
      const [file, body] = isBig ? (['fw/big.bin', big] as const) : (['fw/mid.bin', mid] as const);
      it(`${label}, ${(body.length / 1e6).toFixed(0)} MB: exact bytes`, {
        timeout: (LIMIT_S + 30) * 1000,
      }, async (t) => {
        await setUdpLoss(lab.host(host).ns, 5, TFTP_BLOCKS);
        const t0 = performance.now();
        assert.equal(sha(await fetched(fetch, host, file)), sha(body));
        t.diagnostic(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      });
    }
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
