/**
 * A lab site ready for deployments, as the deployment lab tests (apt and rpm hosts) drive it: the
 * real daemon in the appliance namespace with the lab's config, its UI through a unix-socket
 * bridge, first-run setup, a scope over the lab, a scan, SSH access for the managed hosts,
 * their inventory collected and a feed synced; then deployments created, approved and run now
 * through the UI, and read back from the daemon's own record files.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import type { Lab } from '../../../scripts/lab/lab.js';
import { memoryLogger } from '../../fakes/log.js';
import { type Background, startInNamespace } from './in-namespace-background.js';
import { scanFromAssets, type UiClient, uiClient } from './ui-client.js';

const UI_PORT = 8080;

export class DeploySite {
  daemon: Background | undefined;
  private bridge: Background | undefined;
  ui!: UiClient;
  csrf = '';
  /** Lab host label -> the daemon's host id. */
  readonly hostIds = new Map<string, string>();

  constructor(
    readonly lab: Lab,
    readonly dir: string,
    readonly dataDir: string,
  ) {}

  async startDaemon(): Promise<Background> {
    this.daemon = await startInNamespace(
      this.lab.applianceNs,
      ['daemon/main.ts', 'serve'],
      /"msg":"listening"/,
      {
        PATCH_DEPOT_DATA_DIR: this.dataDir,
        PATCH_DEPOT_HOST: '127.0.0.1',
        PATCH_DEPOT_PORT: String(UI_PORT),
        PATCH_DEPOT_LOG_FORMAT: 'json',
      },
    );
    return this.daemon;
  }

  /** Config written, daemon and UI up, the `labels` hosts found, managed as root and inventoried, `feed` synced. */
  async open(config: Record<string, unknown>, labels: readonly string[], feed: string): Promise<void> {
    await writeFile(
      join(this.dataDir, 'config.json'),
      JSON.stringify({ ...config, discovery: { schedule: false } }),
    );
    await this.startDaemon();
    // The UI listens on the namespace's loopback; a unix socket (shared filesystem) reaches it.
    const socket = join(this.dir, 'ui.sock');
    const args = ['scripts/unix-bridge.ts', 'listen-unix', socket, 'connect-tcp', `127.0.0.1:${UI_PORT}`];
    this.bridge = await startInNamespace(this.lab.applianceNs, args, /ready/);
    this.ui = uiClient(socket);
    this.csrf = await this.ui.setUp(this.dataDir);
    const scope = { _csrf: this.csrf, name: 'Lab', include: this.lab.subnet };
    assert.equal((await this.ui.post('/settings/scopes', scope)).status, 303);
    await scanFromAssets(this.ui, this.csrf);
    for (const label of labels) {
      const href =
        (await this.ui.request(`/assets/${this.lab.host(label).ip}`)).headers.get('location') ?? '';
      assert.match(href, /^\/hosts\/h-/, `the scan found ${label}`);
      this.hostIds.set(label, href.slice('/hosts/'.length));
      const form = { _csrf: this.csrf, address: this.lab.host(label).ip, username: 'root', port: '22' };
      assert.equal((await this.ui.post(`${href}/manage`, form)).status, 303);
    }
    assert.equal((await this.ui.post('/inventory/collect', { _csrf: this.csrf })).status, 303);
    assert.equal((await this.ui.post('/patches/feeds/sync', { _csrf: this.csrf, feed })).status, 303);
  }

  /** The deployment as the daemon last wrote it (its record and journal, read as the CLI would). */
  async record(id: string): Promise<Deployment> {
    const store = new DeploymentStore(join(this.dataDir, 'deploy', 'deployments'), memoryLogger());
    await store.load();
    const d = await store.record(id);
    if (!d) throw new Error(`no deployment ${id} on disk`);
    return d;
  }

  hostOf(d: Deployment, label: string) {
    return d.hosts.find((h) => h.hostId === this.hostIds.get(label));
  }

  /** Create a deployment from `form`, approve its (first) advisory, run it now; its id. */
  async createAndRun(form: Record<string, string | string[]>): Promise<string> {
    const body = new URLSearchParams({ _csrf: this.csrf });
    for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
    const created = await this.ui.request('/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    assert.equal(created.status, 303, await created.text());
    const href = (created.headers.get('location') ?? '').split('?')[0]!;
    const id = decodeURIComponent(href.split('/')[2] ?? '');
    const approve = { _csrf: this.csrf, kind: 'advisory', value: [form.advisory].flat()[0]! };
    assert.equal((await this.ui.post(`${href}/approve`, approve)).status, 303);
    assert.equal((await this.ui.post(`${href}/run`, { _csrf: this.csrf, now: '1' })).status, 303);
    return id;
  }

  async close(): Promise<void> {
    await this.ui?.close();
    await this.bridge?.stop();
    await this.daemon?.stop();
  }
}
