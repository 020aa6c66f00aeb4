/**
 * Zero configuration on the simulated site, with the real daemon in the appliance namespace:
 * - nothing is announced until a scope is saved; then a lab host's mDNS browser (the project's own,
 *   bonjour-service) sees `_patch-depot._tcp` and `_apt_proxy._tcp` and `patch-depot.local`
 *   resolves, while the WAN link (outside every scope) never carries an announcement;
 * - a managed host with Debian's auto-apt-proxy and `apt-proxy` in its own /etc/hosts upgrades
 *   through the cache with no apt proxy setting at all (the cache's counters and the WAN see it);
 * - a machine that already calls itself patch-depot makes the appliance patch-depot-2;
 * - stopping the daemon says goodbye (TTL 0) on the LAN.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { managedHostsUnavailableReason } from '../../scripts/lab/managed-host.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { waitFor } from '../support/wait-for.js';
import { type ApplianceDaemon, startApplianceDaemon } from './helpers/appliance-daemon.js';
import { tsxInNamespace } from './helpers/in-namespace.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';

const PEERS = '/opt/patch-depot-peers';
const skip =
  labUnavailableReason() ??
  managedHostsUnavailableReason() ??
  (existsSync(`${PEERS}/usr/bin/auto-apt-proxy`)
    ? undefined
    : `auto-apt-proxy is not unpacked in ${PEERS} (.ci/run)`);
const TOOL = 'test/lab/helpers/mdns-tool.ts';

interface Heard {
  t: number;
  from: string;
  kind: string;
  answers: Array<{ name: string; type: string; ttl: number; data: unknown }>;
  bySender?: Record<string, number>;
}
interface Browsed {
  address: string;
  hostname?: string;
  service: { type: string; port: number };
}

const heardBy = (listener: Background): Heard[] =>
  listener
    .tail()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Heard);

describe('zero configuration on the LAN', { skip, timeout: 300_000 }, () => {
  let lab: Lab;
  let dir: string;
  let appliance: ApplianceDaemon | undefined;
  let lan: Background | undefined;
  let wan: Background | undefined;
  let squatter: Background | undefined;
  let scopeSavedAt = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-zeroconf-'));
    lab = await createLab({
      name: `pdm${randomBytes(4).toString('hex')}`,
      vendor: { payloadBytes: 128 * 1024 },
      hosts: [
        { kind: 'ping', label: 'viewer' },
        { kind: 'ping', label: 'debian', managed: true },
      ],
    });
    const { repoUrl, ns: vendorNs, ip: vendorIp, applianceWanIp } = lab.vendorInfo();
    lan = await startInNamespace(
      lab.host('viewer').ns,
      [TOOL, 'listen', lab.host('viewer').ip, lab.applianceIp],
      /ready/,
    );
    wan = await startInNamespace(vendorNs, [TOOL, 'listen', vendorIp, applianceWanIp], /ready/);
    appliance = await startApplianceDaemon(lab, dir, {
      cache: { upstreams: [`${repoUrl}/`], proxy: { port: 3142 } },
    });
  });
  after(async () => {
    await squatter?.stop();
    await lan?.stop();
    await wan?.stop();
    await appliance?.stop();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const browse = async (): Promise<Browsed[]> =>
    (JSON.parse(await tsxInNamespace(lab.host('viewer').ns, [TOOL, 'browse', '3000'])) as Browsed[]).filter(
      (r) => r.address === lab.applianceIp,
    );
  const resolve = async (name: string): Promise<unknown> =>
    (
      JSON.parse(await tsxInNamespace(lab.host('viewer').ns, [TOOL, 'ask', name, 'A'])) as Array<{
        data: unknown;
      }>
    )[0]?.data;

  it('announces nothing without a scope; with one, a browser on the LAN sees both services', async () => {
    // The daemon has run for a while (setup included) with no scope: not one datagram.
    assert.equal(await resolve('patch-depot.local'), undefined, 'no answer without a scope');
    scopeSavedAt = Date.now();
    assert.equal(heardBy(lan!).length, 0, 'nothing was multicast before a scope existed');
    assert.equal(await appliance!.saveScope(lab.subnet), 303);
    let seen: Browsed[] = [];
    await waitFor(
      async () => {
        seen = await browse();
        return new Set(seen.map((r) => r.service.type)).size === 2;
      },
      'the lab browser to see both services',
      60_000,
    );
    const byType = new Map(seen.map((r) => [r.service.type, r]));
    assert.equal(byType.get('patch-depot')?.service.port, 8080);
    assert.equal(byType.get('apt_proxy')?.service.port, 3142);
    assert.equal(byType.get('apt_proxy')?.hostname, 'patch-depot');
    assert.equal(await resolve('patch-depot.local'), lab.applianceIp);
  });

  it('never announces on the WAN link, which no scope covers', async () => {
    const { applianceWanIp } = lab.vendorInfo();
    // Prove the WAN listener hears the appliance's namespace at all: a query sent out of the WAN side.
    await tsxInNamespace(lab.applianceNs, [TOOL, 'ask', 'anything.local', 'A', applianceWanIp]);
    await waitFor(() => heardBy(wan!).some((h) => h.kind === 'query'), 'the WAN listener to hear a query');
    const responses = heardBy(wan!).filter((h) => h.kind === 'response');
    assert.deepEqual(responses, [], 'no announcement or answer crossed the WAN link');
  });

  it('auto-apt-proxy on a managed host finds the cache by the apt-proxy name; apt uses it with no proxy setting', async () => {
    const inHost = (script: string) => lab.execInHost('debian', ['sh', '-c', script]);
    await inHost(
      `cp ${PEERS}/usr/bin/auto-apt-proxy /usr/bin/ && cp ${PEERS}/etc/apt/apt.conf.d/auto-apt-proxy.conf /etc/apt/apt.conf.d/`,
    );
    const aptProxy = (await inHost('apt-config dump | grep -i proxy || true')).trim();
    assert.equal(aptProxy, 'Acquire::http::Proxy-Auto-Detect "/usr/bin/auto-apt-proxy";', 'no proxy is set');
    assert.equal((await inHost('AUTO_APT_PROXY_NO_CACHE=1 auto-apt-proxy')).trim(), '', 'nothing found yet');
    await inHost(`echo '${lab.applianceIp} apt-proxy' >> /etc/hosts`);
    assert.equal(
      (await inHost('AUTO_APT_PROXY_NO_CACHE=1 auto-apt-proxy')).trim(),
      `http://${lab.applianceIp}:3142`,
      'auto-apt-proxy recognises the appliance',
    );

    const metric = async (name: string, label: string): Promise<number> => {
      const text = await (await appliance!.ui.request('/metrics')).text();
      return Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    };
    const missesBefore = await metric('patch_depot_cache_requests_total', 'result="miss"');
    assert.ok(Number.isFinite(missesBefore), 'the cache counts its lookups');
    const wanBefore = await lab.wanCounters();
    const apt = 'env -u http_proxy -u HTTP_PROXY DEBIAN_FRONTEND=noninteractive apt-get -q -y';
    await inHost(
      `rm -rf /tmp/.auto-apt-proxy-0 && ${apt} update && ${apt} install --only-upgrade pdlab-web=2.4-1+lab1`,
    );
    assert.equal(
      await lab.execInHost('debian', ['dpkg-query', '-W', '-f', `\${Version}`, 'pdlab-web']),
      '2.4-1+lab1',
    );

    assert.equal(
      existsSync('/etc/apt/apt.conf.d/auto-apt-proxy.conf'),
      false,
      "this machine's apt is untouched",
    );
    assert.doesNotMatch(
      readFileSync('/etc/hosts', 'utf8'),
      /apt-proxy/,
      "and so are this machine's /etc/hosts",
    );
    const misses = (await metric('patch_depot_cache_requests_total', 'result="miss"')) - missesBefore;
    assert.ok(misses >= 3, `the cache fetched the indexes and the packages (${misses} misses)`);
    const debs = lab.vendorInfo().repo.debSizes['pdlab-web'] ?? 0;
    const wanAfter = await lab.wanCounters();
    assert.ok(wanAfter.txBytes - wanBefore.txBytes >= debs, 'the .deb crossed the WAN to the appliance');
  });

  it('a machine already called patch-depot makes the appliance patch-depot-2', async () => {
    const config = {
      tcp: [],
      mdnsHostname: 'patch-depot',
      services: [{ type: 'http', name: 'Squatter', port: 80 }],
    };
    squatter = await startInNamespace(
      lab.host('viewer').ns,
      ['scripts/lab/host-agent.ts', JSON.stringify(config)],
      /ready/,
    );
    await waitFor(
      async () => (await resolve('patch-depot-2.local')) === lab.applianceIp,
      'patch-depot-2.local',
      60_000,
    );
    await waitFor(
      async () =>
        (await browse()).some((r) => r.service.type === 'apt_proxy' && r.hostname === 'patch-depot-2'),
      'the browser to see the proxy on patch-depot-2',
      60_000,
    );
  });

  it('stopping the daemon says goodbye on the LAN', async () => {
    const stoppedAt = Date.now();
    await appliance!.stop();
    appliance = undefined;
    await waitFor(
      () =>
        heardBy(lan!).some(
          (h) =>
            h.t >= stoppedAt &&
            h.kind === 'response' &&
            h.answers.length &&
            h.answers.every((a) => a.ttl === 0),
        ),
      'a goodbye (every record with TTL 0)',
    );
    const goodbye = heardBy(lan!).find((h) => h.t >= stoppedAt && h.answers.every((a) => a.ttl === 0))!;
    const names = goodbye.answers.map((a) => `${a.type} ${a.name}`);
    assert.ok(
      names.includes('PTR _apt_proxy._tcp.local') && names.includes('PTR _patch-depot._tcp.local'),
      names.join(', '),
    );
    assert.ok(
      heardBy(lan!).every((h) => h.t >= scopeSavedAt),
      'and nothing was ever sent before the scope',
    );
  });
});

if (skip) console.log(`# zero-configuration lab skipped: ${skip}`);
