/**
 * The SSH access form as posted by the Inventory page and a host page's "Manage this machine":
 * strings in, a ManageInput out. The host service validates every field (BAD_INPUT names it).
 */
import type { Context } from 'hono';
import type { HostRecord } from '../../daemon/hosts/host-record.js';
import type { ManageInput } from '../../daemon/hosts/host-service.js';
import type { WebDeps, WebEnv } from '../env.js';

export const readSshForm = async (c: Context<WebEnv>): Promise<ManageInput> => {
  const body = await c.req.parseBody();
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const port = text('port').trim();
  return {
    host: text('host'),
    address: text('address'),
    username: text('username'),
    // A port that is not a whole number fails validation with the field named.
    port: port === '' ? undefined : /^\d+$/.test(port) ? Number(port) : Number.NaN,
    password: text('password'),
    clearPassword: text('clearPassword') === '1',
  };
};

/**
 * A machine given SSH access is one the technician knows: its asset stops being flagged "new"
 * (Assets → Review new devices listed the four managed machines as new after every deployment).
 */
export const knownOnceManaged = async (deps: WebDeps, host: HostRecord): Promise<void> => {
  const discovery = deps.discovery;
  if (!discovery || !host.assetId) return;
  if (discovery.allAssets().some((a) => a.id === host.assetId && a.isNew))
    await discovery.acknowledge(host.assetId);
};
