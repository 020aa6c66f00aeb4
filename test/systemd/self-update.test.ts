/**
 * Self-update for real: the .deb on a clean Debian root booted under systemd, a signed apt
 * repository served inside the container, the appliance's own cache as the only way to it.
 * patch-depot-self-update.service (as the timer starts it, inside a window around now) installs
 * the newer version through the cache; killed with SIGKILL mid-update, the next run finishes it
 * without installing twice; a broken version that never answers /healthz is rolled back to the
 * one before. Minutes long: `npm run test:systemd` (root).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sign, writeIndexes } from '../../scripts/lab/vendor-repo.js';
import { waitFor } from '../support/wait-for.js';
import { debVersion, healthz, repack, run } from './debs.js';
import { Container, nspawnUnavailableReason } from './nspawn.js';

const skip = nspawnUnavailableReason();
const UPDATER = 'patch-depot-self-update.service';
const REPO_PORT = 8081;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A window from an hour ago to three hours on, in UTC: the timer's run is inside it. */
const windowAroundNow = (): string => {
  const at = (ms: number) => {
    const d = new Date(ms);
    return `${DAYS[d.getUTCDay()]} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  return `${at(Date.now() - 3_600_000)}-${at(Date.now() + 3 * 3_600_000)}`;
};

/** A static file server for the repository, run with the appliance's own node inside the container. */
const REPO_SERVER = `
import { createServer } from 'node:http';
import { appendFileSync, createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
createServer((req, res) => {
  appendFileSync('/srv/pd-repo.log', req.method + ' ' + req.url + ' ' + req.headers['user-agent'] + '\\n');
  const path = join('/srv/pd-repo', normalize(new URL(req.url, 'http://x').pathname).replace(/^\\/pd/, ''));
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a file');
    res.writeHead(200, { 'content-length': st.size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(path).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
}).listen(${REPO_PORT}, '127.0.0.1');
`;

const status = (c: Container) =>
  JSON.parse(c.sh('cat /var/lib/patch-depot-update/status.json').stdout || '{"phase":"none"}') as {
    phase: string;
    outcome?: string;
    message?: string;
  };

test('self-update through the cache, finished after a SIGKILL without a second install, and a broken version rolled back', {
  skip,
  timeout: 1_500_000,
}, async (t) => {
  const dir = join(tmpdir(), `pdU-systemd-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  let container: Container | undefined;
  t.after(async () => {
    await container?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const deb = run('scripts/build-deb', ['--fast', '--out', dir]).trim().split('\n').at(-1)!;
  const base = debVersion(deb);
  const arch = run('dpkg-deb', ['-f', deb, 'Architecture']).trim();
  const next = `${base}+next1`;
  const nextDeb = repack(deb, dir, next);
  // Starts and exits at once: never answers /healthz.
  const broken = `${base}+next2`;
  const brokenDeb = repack(deb, dir, broken, (tree) =>
    writeFileSync(join(tree, 'opt/patch-depot/dist/daemon/main.js'), 'process.exit(3);\n'),
  );
  const root = join(dir, 'root');
  run('image/build-rootfs', ['--deb', deb, '--variant', 'minbase', `${root}/`]);

  // The repository: signed with a throwaway key, trusted through Signed-By only.
  const repoDir = join(root, 'srv/pd-repo');
  const publish = (debs: string[]) => {
    rmSync(join(repoDir, 'pool'), { recursive: true, force: true });
    mkdirSync(join(repoDir, 'pool'), { recursive: true });
    for (const d of debs) writeFileSync(join(repoDir, 'pool', d.split('/').at(-1)!), readFileSync(d));
    rmSync(join(repoDir, 'dists'), { recursive: true, force: true });
    const dist = writeIndexes(repoDir, 'stable', arch);
    const keyring = sign(dir, dist);
    mkdirSync(join(root, 'etc/apt/keyrings'), { recursive: true });
    writeFileSync(join(root, 'etc/apt/keyrings/patch-depot.gpg'), readFileSync(keyring));
  };
  publish([nextDeb]);
  writeFileSync(
    join(root, 'etc/apt/sources.list.d/patch-depot.sources'),
    `Types: deb\nURIs: http://127.0.0.1:${REPO_PORT}/pd\nSuites: stable\nComponents: main\nSigned-By: /etc/apt/keyrings/patch-depot.gpg\n`,
  );
  mkdirSync(join(root, 'opt/pd-test'), { recursive: true });
  writeFileSync(join(root, 'opt/pd-test/repo-server.mjs'), REPO_SERVER);
  // A unit, started at boot (minbase has no D-Bus for systemd-run).
  writeFileSync(
    join(root, 'etc/systemd/system/pd-repo.service'),
    '[Service]\nExecStart=/opt/patch-depot/node/bin/node /opt/pd-test/repo-server.mjs\n[Install]\nWantedBy=multi-user.target\n',
  );
  mkdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  symlinkSync(
    '/etc/systemd/system/pd-repo.service',
    join(root, 'etc/systemd/system/multi-user.target.wants/pd-repo.service'),
  );
  mkdirSync(join(root, 'var/lib/private/patch-depot'), { recursive: true });
  writeFileSync(
    join(root, 'var/lib/private/patch-depot/config.json'),
    JSON.stringify({
      cache: { upstreams: [`http://127.0.0.1:${REPO_PORT}/`] },
      selfUpdate: { enabled: true, window: windowAroundNow(), timeZone: 'UTC', healthTimeoutSec: 30 },
    }),
  );

  const booted = await Container.boot(root, `pdU-${process.pid}`, join(dir, 'console.log'));
  container = booted;
  await waitFor(() => healthz(booted)?.version === base, `version ${base} to answer`, 120_000);
  assert.equal(booted.sh('systemctl is-enabled patch-depot-self-update.timer').stdout.trim(), 'enabled');
  assert.equal(booted.sh('systemctl is-active patch-depot-self-update.timer').stdout.trim(), 'active');

  await t.test(
    'killed with SIGKILL mid-update, the next run finishes it; installed once, through the cache',
    async () => {
      assert.equal(booted.sh(`systemctl start --no-block ${UPDATER}`).status, 0);
      await waitFor(
        () => ['installing', 'verifying'].includes(status(booted).phase),
        'the update to start',
        180_000,
      );
      const killedIn = status(booted).phase;
      booted.sh(`systemctl kill --kill-whom=main -s SIGKILL ${UPDATER}`);
      t.diagnostic(`killed in phase ${killedIn}`);
      await waitFor(
        () => booted.sh(`systemctl is-active ${UPDATER}`).stdout.trim() !== 'activating',
        'the kill',
        30_000,
      );
      assert.notEqual(status(booted).phase, 'idle', 'the status file keeps the interrupted phase');

      const again = booted.sh(
        `systemctl start ${UPDATER}; systemctl show -p Result --value ${UPDATER}`,
        600_000,
      );
      assert.equal(
        again.stdout.trim(),
        'success',
        again.stderr + booted.sh(`journalctl -u ${UPDATER} --no-pager | tail -30`).stdout,
      );
      const s = status(booted);
      assert.equal(s.outcome, 'updated', s.message);
      assert.equal(healthz(booted)?.version, next);
      const upgrades = booted
        .sh('cat /var/log/dpkg.log')
        .stdout.split('\n')
        .filter((l) => / upgrade patch-depot:/.test(l));
      assert.equal(upgrades.length, 1, upgrades.join('\n'));
      const requests = booted.sh('cat /srv/pd-repo.log').stdout;
      assert.match(
        requests,
        new RegExp(`GET /pd/pool/patch-depot_${next.replace(/[+.]/g, '\\$&')}_${arch}\\.deb patch-depot/`),
      );
      assert.doesNotMatch(
        requests,
        /APT-HTTP/,
        'apt itself never reached the repository: only the cache did',
      );
      assert.equal(
        booted.sh('test -f /var/lib/patch-depot-update/installed.deb').status,
        0,
        'the way back is kept',
      );
    },
  );

  await t.test(
    'a version that never answers /healthz is rolled back to the one before, its state file too',
    async () => {
      const stateFile = join(root, 'var/lib/private/patch-depot/state.json');
      const before = readFileSync(stateFile, 'utf8');
      publish([nextDeb, brokenDeb]);
      const r = booted.sh(`systemctl start ${UPDATER}; systemctl show -p Result --value ${UPDATER}`, 600_000);
      assert.equal(
        r.stdout.trim(),
        'exit-code',
        'a rolled-back update fails the unit, for the journal and alerts',
      );
      const s = status(booted);
      assert.equal(s.outcome, 'rolled-back', s.message);
      assert.match(
        s.message ?? '',
        new RegExp(`${broken.replace(/[+.]/g, '\\$&')} was not healthy within 30 s`),
      );
      await waitFor(() => healthz(booted)?.version === next, `${next} to answer again`, 120_000);
      assert.equal(booted.sh("dpkg-query -W -f='$" + "{Version}' patch-depot").stdout, next);
      assert.equal(JSON.parse(readFileSync(stateFile, 'utf8')).secret, JSON.parse(before).secret);
      const owner = booted.sh('stat -c %U:%a /var/lib/private/patch-depot/state.json').stdout.trim();
      assert.doesNotMatch(owner, /^root:/, `the restored state file belongs to the daemon's user (${owner})`);
      const journal = booted.sh(`journalctl -u ${UPDATER} --no-pager`).stdout;
      assert.match(journal, /rolling back/);
    },
  );
});
