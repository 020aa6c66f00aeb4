/**
 * `patch-depot inventory --host ADDR [--user U] [--port N] [--json]`: collect one host now, with
 * the appliance key, pins and host directory in the data dir (the same ones the daemon uses),
 * save its inventory file under the machine's host id, and print it. `--public-key` prints the
 * line to install on hosts. Both work on the daemon's data directory: one nobody named (./.data of
 * the current directory) is used only if it already has the appliance key, and said so.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { checkStateDir } from '../cli/state-dir.js';
import { type CommandContext, UsageError } from '../cli-context.js';
import type { Config } from '../config.js';
import type { HostService } from '../hosts/host-service.js';
import { createHostService } from '../hosts/hosts-module.js';
import { type HostCredential, validateCredential } from '../remote/credentials.js';
import { DataDirLock } from '../store/data-dir-lock.js';
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

/**
 * A key made in a data directory nobody chose is a key no host trusts and the daemon never uses:
 * refuse that, and name the directory whenever it was not chosen.
 */
const checkDataDir = (ctx: CommandContext, config: Config, keyPath: string): void => {
  if (!ctx.implicitDataDir(config)) return;
  if (!existsSync(keyPath))
    throw new UsageError(
      `which data directory? give the daemon's with --data-dir DIR or PATCH_DEPOT_DATA_DIR (the appliance's is /var/lib/patch-depot); ${config.dataDir} of the current directory has no appliance key, and a new one there would be one no host trusts`,
    );
  process.stderr.write(
    `patch-depot inventory: using ${config.dataDir} of the current directory (--data-dir or PATCH_DEPOT_DATA_DIR to choose)\n`,
  );
};

/** The appliance's public key line on stdout (made first when there is none). */
const printPublicKey = async (service: InventoryService): Promise<number> => {
  const key = await service.keys.get();
  process.stdout.write(`${key.publicKey}\n`);
  process.stderr.write(
    `fingerprint ${key.fingerprint}; add the line above to ~/.ssh/authorized_keys on each host\n`,
  );
  return 0;
};

/** `--public-key`, or one collection of `--host`, with the services started. */
const inventoryRun = async (ctx: CommandContext, service: InventoryService, hosts: HostService) => {
  if (ctx.values['public-key']) return printPublicKey(service);
  // Required unless --public-key, by the option table (daemon/cli/commands.ts).
  const host = String(ctx.values.host);
  await hosts.start();
  const cred = await targetFor(ctx, service, hosts, host);
  const inventory = await service.collect(cred, { acceptHostKey: text(ctx.values['accept-host-key']) });
  process.stdout.write(
    ctx.values.json ? `${JSON.stringify(inventory, null, 2)}\n` : formatInventory(inventory),
  );
  return 0;
};

export const inventoryCommand = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
  // --public-key may prepare a new data directory (the lab's hosts trust the key before the
  // daemon's first start); everything else works on the daemon's own.
  checkStateDir(ctx, ctx.values['public-key'] === true);
  // Logs go to stderr so that --json output on stdout stays machine-readable; info says which
  // host key was made or pinned on first use.
  const log = ctx.commandLog(config, 'info');
  const service = createInventoryService(config, log.child('inventory'));
  checkDataDir(ctx, config, service.keys.privateKeyPath);
  // Printing a key that exists only reads it: it works while the daemon runs (it always does on
  // an appliance), where taking the data directory's lock would be refused.
  if (ctx.values['public-key'] && existsSync(service.keys.privateKeyPath)) return printPublicKey(service);
  const lock = await DataDirLock.acquire(config.dataDir, 'inventory');
  try {
    const hosts = createHostService(config, { inventory: service }, log.child('hosts'));
    await service.start();
    try {
      return await inventoryRun(ctx, service, hosts);
    } finally {
      await hosts.stop();
      await service.stop();
    }
  } finally {
    await lock.release();
  }
};
