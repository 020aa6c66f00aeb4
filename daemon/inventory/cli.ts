/**
 * `patch-depot inventory --host ADDR [--user U] [--port N] [--json]`: collect one host now, with
 * the appliance key and pins in the data dir (the same ones the daemon uses), save its inventory
 * file, and print it. `--public-key` prints the line to install on hosts.
 */
import { userInfo } from 'node:os';
import { DepotError } from '../errors.js';
import { createLogger } from '../log.js';
import type { CommandContext } from '../main.js';
import { validateCredential } from './credentials.js';
import { createInventoryService } from './inventory-module.js';
import type { HostInventory } from './types.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const formatInventory = (inv: HostInventory): string => {
  const head = [
    `${inv.os.prettyName || inv.os.id} · kernel ${inv.kernel} · ${inv.ecosystem} · ${inv.packages.length} packages`,
    `reboot required: ${inv.rebootRequired ? 'yes' : 'no'} · collected ${inv.collectedAt}`,
  ];
  const width = Math.min(40, Math.max(8, ...inv.packages.map((p) => p.name.length)));
  const rows = inv.packages.map((p) => {
    const src =
      p.source || p.sourceVersion ? `  (source ${p.source ?? p.name} ${p.sourceVersion ?? p.version})` : '';
    return `${p.name.padEnd(width)}  ${p.version}  ${p.arch ?? ''}${src}`.trimEnd();
  });
  return `${[...head, '', ...rows].join('\n')}\n`;
};

export const inventoryCommand = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
  // Logs go to stderr so that --json output on stdout stays machine-readable.
  const log = createLogger({ level: config.log.level, format: 'pretty', sink: process.stderr });
  const service = createInventoryService(config, log.child('inventory'));
  await service.start();
  try {
    if (ctx.values['public-key']) {
      const key = await service.keys.get();
      process.stdout.write(`${key.publicKey}\n`);
      process.stderr.write(
        `fingerprint ${key.fingerprint}; add the line above to ~/.ssh/authorized_keys on each host\n`,
      );
      return 0;
    }
    const host = text(ctx.values.host);
    if (!host) {
      process.stderr.write('patch-depot inventory: --host ADDR is required (or --public-key)\n');
      return 2;
    }
    // --host names a stored host by id or by address; otherwise it is the address to use.
    const byAddress = (await service.credentials.list()).find((c) => c.address === host);
    const stored =
      (await service.credentials.get(host)) ??
      (byAddress && (await service.credentials.get(byAddress.hostId)));
    const port = text(ctx.values.port);
    const cred = validateCredential(
      {
        hostId: stored?.hostId ?? host,
        address: stored?.address ?? host,
        port: port === undefined ? stored?.port : Number(port),
        username: text(ctx.values.user) ?? stored?.username ?? userInfo().username,
        password: stored?.password,
      },
      new Date(),
    );
    const inventory = await service.collect(cred, { acceptHostKey: text(ctx.values['accept-host-key']) });
    process.stdout.write(
      ctx.values.json ? `${JSON.stringify(inventory, null, 2)}\n` : formatInventory(inventory),
    );
    return 0;
  } catch (err) {
    if (err instanceof DepotError) {
      process.stderr.write(`patch-depot inventory: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await service.stop();
  }
};
