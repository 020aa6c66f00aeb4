/**
 * The real daemon in a lab's appliance namespace, its UI on the appliance's LAN address (so it is
 * what the appliance announces), reached from the test through a unix socket bridge; first-run
 * setup done and, on request, a scope of management saved through the Settings page.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from '../../../scripts/lab/lab.js';
import { type Background, startInNamespace } from './in-namespace-background.js';
import { type UiClient, uiClient } from './ui-client.js';

export const UI_PORT = 8080;

export interface ApplianceDaemon {
  daemon: Background;
  ui: UiClient;
  csrf: string;
  dataDir: string;
  /** Save a scope in Settings → Scopes; resolves with the HTTP status (303 when saved). */
  saveScope(include: string): Promise<number>;
  /** SIGTERM the daemon (it says its goodbyes) and close the bridge. */
  stop(): Promise<void>;
}

export const startApplianceDaemon = async (
  lab: Lab,
  dir: string,
  config: object,
): Promise<ApplianceDaemon> => {
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    join(dataDir, 'config.json'),
    JSON.stringify({ discovery: { schedule: false }, ...config }),
  );
  const daemon = await startInNamespace(lab.applianceNs, ['daemon/main.ts', 'serve'], /"msg":"listening"/, {
    PATCH_DEPOT_DATA_DIR: dataDir,
    PATCH_DEPOT_HOST: lab.applianceIp,
    PATCH_DEPOT_PORT: String(UI_PORT),
    PATCH_DEPOT_LOG_FORMAT: 'json',
  });
  const socket = join(dir, 'ui.sock');
  const args = [
    'scripts/unix-bridge.ts',
    'listen-unix',
    socket,
    'connect-tcp',
    `${lab.applianceIp}:${UI_PORT}`,
  ];
  let bridge: Background | undefined;
  try {
    bridge = await startInNamespace(lab.applianceNs, args, /ready/);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  const ui = uiClient(socket);
  const csrf = await ui.setUp(dataDir);
  return {
    daemon,
    ui,
    csrf,
    dataDir,
    saveScope: async (include) =>
      (await ui.post('/settings/scopes', { _csrf: csrf, name: 'Lab', include })).status,
    stop: async () => {
      await ui.close();
      await bridge?.stop();
      await daemon.stop();
    },
  };
};
