/**
 * `patch-depot inventory --host ADDR [--user U] [--port N] [--json]`: collect one host now, with
 * the appliance key, pins and host directory in the data dir (the same ones the daemon uses),
 * save its inventory file under the machine's host id, and print it. `--public-key` prints the
 * line to install on hosts.
 */
import { userInfo } from 'node:os';
import type { CommandContext } from '../cli-context.js';
import { DepotError } from '../errors.js';
import type { HostService } from '../hosts/host-service.js';
import { createHostService } from '../hosts/hosts-module.js';
import { createLogger } from '../log.js';
import { type HostCredential, validateCredential } from '../remote/credentials.js';
import { terminalText } from '../terminal-text.js';
import { createInventoryService } from './inventory-module.js';
import type { InventoryService } from './inventory-service.js';
import type { HostInventory } from './types.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The human format; everything in it came from the host, so it is made terminal-safe. */
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
  return terminalText(`${[...head, '', ...rows].join('\n')}\n`);
};

/**
 * The machine `--host` names (a host id, an old id, an address...), or the one at that address,
 * made now if none is known: the inventory is filed under its host id, as the daemon files it.
 */
const targetFor = async (
  ctx: CommandContext,
  service: InventoryService,
  hosts: HostService,
  host: string,
): Promise<HostCredential> => {
  const known = await hosts.resolve(host);
  const stored = known && (await service.credentials.get(known.id));
  const port = text(ctx.values.port);
  const input = {
    address: stored?.address ?? known?.address ?? host,
    port: port === undefined ? stored?.port : Number(port),
    username: text(ctx.values.user) ?? stored?.username ?? userInfo().username,
    password: stored?.password,
  };
  // Check the flags before a machine is made for them: a typo must not leave a host behind.
  validateCredential({ ...input, hostId: known?.id ?? 'h-0000000000' }, new Date());
  const machine = known ?? (await hosts.directory.forAddress(input.address));
  return validateCredential({ ...input, hostId: machine.id }, new Date());
};

export const inventoryCommand = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
  // Logs go to stderr so that --json output on stdout stays machine-readable.
  const log = createLogger({ level: config.log.level, format: 'pretty', sink: process.stderr });
  const service = createInventoryService(config, log.child('inventory'));
  const hosts = createHostService(config, { inventory: service }, log.child('hosts'));
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
    await hosts.start();
    const cred = await targetFor(ctx, service, hosts, host);
    const inventory = await service.collect(cred, { acceptHostKey: text(ctx.values['accept-host-key']) });
    process.stdout.write(
      ctx.values.json ? `${JSON.stringify(inventory, null, 2)}\n` : formatInventory(inventory),
    );
    return 0;
  } catch (err) {
    if (err instanceof DepotError) {
      process.stderr.write(`patch-depot inventory: ${terminalText(err.message)}\n`);
      return 1;
    }
    throw err;
  } finally {
    await hosts.stop();
    await service.stop();
  }
};
