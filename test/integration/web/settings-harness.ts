/**
 * Settings → Appliance settings over the real web app with a real config file in a temp dir (a
 * hand-written one to start from), signed in as the admin: what the settings tests share.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog, auditFile } from '../../../daemon/auth/audit-log.js';
import { SettingsService } from '../../../daemon/settings/settings-service.js';
import { type Browser, setUpAdmin, webHarness } from './harness.js';

export const HAND_WRITTEN = {
  tftp: { enabled: false, root: '/srv/tftp' },
  site: { name: 'Branch 7' },
  discovery: { packetsPerSecond: 1000 },
};

export const settingsHarness = async (
  t: Parameters<typeof webHarness>[0],
  restarts: string[] = [],
  env: NodeJS.ProcessEnv = {},
) => {
  let file = '';
  const h = await webHarness(t, {
    services: async ({ dataDir, log }) => {
      file = join(dataDir, 'config.json');
      await writeFile(file, `${JSON.stringify(HAND_WRITTEN, null, 2)}\n`);
      const audit = new AuditLog(auditFile(dataDir));
      const settings = new SettingsService({
        source: { env, overrides: { dataDir }, file },
        live: () => ({}),
        audit,
        log,
      });
      await settings.start();
      const backup = { dataDir, restart: () => restarts.push('restart') > 0 };
      return { settings, audit, backup };
    },
  });
  const admin = await setUpAdmin(h);
  const fileJson = async () => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  return { h, admin, file, fileJson };
};

/** The page's CSRF token and the config file's version in its forms. */
export const formOf = async (b: Browser) => {
  const html = await (await b.request('/settings/config')).text();
  return {
    _csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!,
    version: /name="version" value="([^"]+)"/.exec(html)![1]!,
  };
};

export const errorOf = (html: string, id: string): string | undefined =>
  new RegExp(`id="${id}-error"[^>]*>([^<]*)<`).exec(html)?.[1];
