/**
 * A year of the site's deployments, as the daemon would have written them: `count` monthly
 * deployments of four package upgrades to every host, finished, each host with its update, dry run
 * and install steps and their apt output (~3 KB per host, as apt prints for four packages), one
 * host in a hundred failed. Written through the daemon's own DeploymentStore, so the records and
 * the summaries saved beside them are the real format and the daemon starts as a year-old one does.
 */
import { join } from 'node:path';
import type { HostState } from '../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../daemon/deploy/deployment-store.js';
import { createLogger } from '../../daemon/log.js';
import { deploymentRecord } from '../../test/deployment-record.js';

const DAY = 86_400_000;
const PACKAGES = ['openssl', 'libssl3', 'curl', 'libcurl4'];

const aptOutput = (version: string, i: number): string =>
  PACKAGES.map(
    (p) =>
      `Preparing to unpack .../${p}_${version}_amd64.deb ...\nUnpacking ${p} (${version}) over (${version}~old) ...\nSetting up ${p} (${version}) ...\n`,
  ).join('') + `Processing triggers for man-db (2.11.2-${i % 3}) ...\n`.repeat(6);

const host = (hostId: string, i: number, at: string, version: string): HostState => {
  const step = (name: string, stdout: string, exitCode = 0) => ({
    step: name,
    command: `apt-get ${name}`,
    stdout,
    stderr: '',
    exitCode,
    startedAt: at,
    finishedAt: at,
    truncated: false,
  });
  const failed = i % 100 === 7;
  const upgrades = PACKAGES.map((name) => ({ name, version, advisories: ['DSA-5800-1'] }));
  return {
    hostId,
    group: i % 20 === 0 ? 'pilot' : 'default',
    ring: i % 20 === 0 ? 0 : 2,
    change: { hostId, ecosystem: 'dpkg', upgrades, allowRemove: [] },
    phase: 'done',
    attempts: failed ? 3 : 1,
    failures: failed
      ? [1, 2, 3].map((attempt) => ({ at, attempt, kind: 'permanent', reason: 'dpkg was interrupted' }))
      : [],
    steps: [
      step('update', `Hit:1 http://192.0.2.1/debian bookworm InRelease\nFetched ${1000 + i} kB in 1s\n`),
      step('dry-run', aptOutput(version, i).replaceAll('Unpacking', 'Inst')),
      step('install', aptOutput(version, i), failed ? 100 : 0),
    ],
    startedAt: at,
    finishedAt: at,
    outcome: failed ? 'failed' : 'verified',
    ...(failed ? { reason: 'dpkg was interrupted' } : {}),
  };
};

/** Returns the newest deployment's id and the size of the records. */
export const seedDeployments = async (
  dataDir: string,
  hostIds: readonly string[],
  count: number,
): Promise<{ newest: string | undefined; recordsMB: number }> => {
  const store = new DeploymentStore(
    join(dataDir, 'deploy', 'deployments'),
    createLogger({ level: 'error', format: 'json' }),
    {
      summarize: true,
    },
  );
  await store.load();
  const end = Date.now() - 14 * DAY;
  let newest: string | undefined;
  let bytes = 0;
  for (let k = 0; k < count; k++) {
    const at = new Date(end - (count - 1 - k) * 30 * DAY).toISOString();
    const version = `3.0.${15 + k}-1~deb12u1`;
    const id = `dep-${at.replace(/[-:]/g, '').slice(0, 15)}-${(0xa00000 + k).toString(16)}`;
    const d = deploymentRecord(
      id,
      hostIds.map((hostId, i) => host(hostId, i, at, version)),
      {
        title: `Monthly fixes ${at.slice(0, 7)}`,
        createdAt: at,
        advisories: { 'DSA-5800-1': { severity: 'high', summary: 'openssl, curl', cves: ['CVE-2026-0001'] } },
      },
    );
    bytes += JSON.stringify(d).length;
    await store.add(d);
    newest = id;
  }
  await store.settled();
  return { newest, recordsMB: bytes / 1e6 };
};
