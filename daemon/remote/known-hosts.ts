/**
 * Host keys pinned on first use (TOFU), like ssh's known_hosts but one JSON file the UI can read:
 * the first key a host presents is stored; later connections must present the same key. A
 * different key is refused before any credential is sent, and kept as `rejected` so the
 * technician can compare fingerprints and accept it deliberately.
 *
 * Pins are keyed by the machine (its host id), not by its address: when DHCP moves a machine,
 * its pin moves with it, so a collection at the new address must present the same key. Pins
 * written before that were keyed `address:port` (`hostPortKey`); `adopt` re-keys them.
 */
import { z } from 'zod';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { JsonDocument } from '../store/json-document.js';
import type { HostKey } from './ports.js';
import { HostKeyChangedError, RemoteError } from './remote-error.js';
import { fingerprintOf } from './ssh-key-format.js';

const keySchema = z
  .object({
    type: z.string().min(1).max(64),
    /** base64 of the wire-format public key blob. */
    key: z.string().min(1).max(8192),
    fingerprint: z.string().startsWith('SHA256:'),
    seenAt: z.iso.datetime(),
  })
  .strict();

const entrySchema = z
  .object({
    pinned: keySchema,
    /** The last key refused because it did not match `pinned`. */
    rejected: keySchema.optional(),
  })
  .strict();
export type KnownHostEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({ version: z.literal(1), hosts: z.record(z.string(), entrySchema) }).strict();

/** `host:port`, with IPv6 addresses in brackets as ssh writes them. */
export const hostPortKey = (host: string, port: number): string =>
  `${host.includes(':') ? `[${host.toLowerCase()}]` : host.toLowerCase()}:${port}`;

/** Host key algorithms that can negotiate a key of this type (RSA keys sign with SHA-2). */
export const algorithmsForKeyType = (type: string): string[] =>
  type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];

export interface VerifyOptions {
  /** Replace a pinned key if the presented one has exactly this fingerprint. */
  acceptFingerprint?: string | undefined;
  /** How messages and logs name the host (`10.0.0.5:22`); default the pin key. */
  label?: string | undefined;
}

export class KnownHosts {
  private readonly doc: JsonDocument<typeof fileSchema>;

  constructor(
    file: string,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.doc = new JsonDocument(file, fileSchema, () => ({ version: 1 as const, hosts: {} }), 0o644);
  }

  async all(): Promise<Record<string, KnownHostEntry>> {
    return (await this.doc.read()).hosts;
  }

  async get(id: string): Promise<KnownHostEntry | undefined> {
    return (await this.doc.read()).hosts[id];
  }

  /** Pin on first use, pass a matching key, refuse (and remember) a different one. */
  async verify(id: string, key: HostKey, opts: VerifyOptions = {}): Promise<'pinned' | 'known'> {
    const label = opts.label ?? id;
    const presented = {
      type: key.type,
      key: key.blob.toString('base64'),
      fingerprint: fingerprintOf(key.blob),
      seenAt: dateOf(this.clock).toISOString(),
    };
    const outcome = await this.doc.update((doc) => {
      const entry = doc.hosts[id];
      if (!entry) {
        doc.hosts[id] = { pinned: presented };
        return 'pinned' as const;
      }
      if (entry.pinned.key === presented.key) {
        if (entry.rejected) delete entry.rejected;
        return 'known' as const;
      }
      if (opts.acceptFingerprint !== undefined && opts.acceptFingerprint === presented.fingerprint) {
        doc.hosts[id] = { pinned: presented };
        return 'replaced' as const;
      }
      entry.rejected = presented;
      return { old: entry.pinned.fingerprint };
    });
    if (typeof outcome === 'object') {
      this.log.error('host key changed: connection refused', {
        host: label,
        pin: id,
        pinned: outcome.old,
        presented: presented.fingerprint,
      });
      throw new HostKeyChangedError(label, outcome.old, presented.fingerprint);
    }
    if (outcome === 'pinned')
      this.log.info('host key pinned on first use', {
        host: label,
        pin: id,
        fingerprint: presented.fingerprint,
      });
    if (outcome === 'replaced') {
      this.log.warn('changed host key accepted by the technician', {
        host: label,
        pin: id,
        fingerprint: presented.fingerprint,
      });
      return 'pinned';
    }
    return outcome;
  }

  /**
   * Accept the key a host presented last time it was refused. The fingerprint must be the one the
   * technician verified: if the host presented yet another key since, nothing changes.
   */
  async acceptRejected(id: string, fingerprint: string): Promise<void> {
    await this.doc.update((doc) => {
      const entry = doc.hosts[id];
      if (!entry?.rejected) throw new RemoteError('unsupported', `${id} has no refused host key to accept`);
      if (entry.rejected.fingerprint !== fingerprint) {
        throw new RemoteError(
          'host-key-changed',
          `${id} last presented ${entry.rejected.fingerprint}, not ${fingerprint}: nothing accepted`,
        );
      }
      doc.hosts[id] = { pinned: entry.rejected };
    });
    this.log.warn('changed host key accepted by the technician', { host: id, fingerprint });
  }

  /** Drop the pin (the host was removed); the next connection pins again. */
  async forget(id: string): Promise<void> {
    await this.doc.update((doc) => {
      delete doc.hosts[id];
    });
  }

  /**
   * Move pins to new keys (`[from, to]` pairs): an address-keyed pin to its host, a host to its new
   * id. A pin already under `to` is newer and wins; several `to`s may share one `from`. Nothing is
   * ever dropped without a replacement, so a crash half-way leaves every key pinned somewhere the
   * next run finds.
   */
  async adopt(pairs: ReadonlyArray<readonly [from: string, to: string]>): Promise<number> {
    return this.doc.update((doc) => {
      let moved = 0;
      const taken = new Set<string>();
      for (const [from, to] of pairs) {
        const entry = doc.hosts[from];
        if (!entry || from === to) continue;
        if (!doc.hosts[to]) {
          doc.hosts[to] = entry;
          moved++;
        }
        taken.add(from);
      }
      for (const from of taken) delete doc.hosts[from];
      return moved;
    });
  }
}
