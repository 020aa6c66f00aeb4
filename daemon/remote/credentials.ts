/**
 * How the appliance logs in to each host: address, SSH port, user and an optional password (for
 * hosts that do not have the appliance key yet). One file, mode 0600. Passwords are write-only:
 * `list()` says whether one is set, never what it is.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import { JsonDocument } from '../store/json-document.js';
import { assertRecordId } from '../store/record-dir.js';

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// POSIX-ish login names plus the domain forms (user@REALM) some sites use.
const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

/** Digits and dots only is a mistyped IPv4 address (999.1.1.1, 10.0.0), never a host name: no top-level domain is all digits. */
const DOTTED_DIGITS = /^[\d.]+$/;

const address = z
  .string()
  .trim()
  .refine(
    (a) => isIP(a) !== 0 || !DOTTED_DIGITS.test(a),
    'not an IPv4 address: four numbers 0-255 separated by dots (10.0.0.5)',
  )
  .refine(
    (a) => isIP(a) !== 0 || DOTTED_DIGITS.test(a) || HOSTNAME_RE.test(a),
    'expected an IPv4/IPv6 address or a host name',
  );

const credentialSchema = z
  .object({
    hostId: z.string().refine((id) => {
      try {
        assertRecordId(id);
        return true;
      } catch {
        return false;
      }
    }, 'use letters, digits, . _ : @ -'),
    address,
    port: z.number().int().min(1).max(65535),
    username: z.string().regex(USER_RE, 'letters, digits, _ . @ - (at most 64)'),
    password: z.string().min(1).max(1024).optional(),
    updatedAt: z.iso.datetime(),
  })
  .strict();
export type HostCredential = z.infer<typeof credentialSchema>;

/** What may leave the store towards the UI: everything except the password. */
export type HostCredentialView = Omit<HostCredential, 'password'> & { hasPassword: boolean };

const fileSchema = z
  .object({ version: z.literal(1), hosts: z.record(z.string(), credentialSchema) })
  .strict();

export interface CredentialInput {
  hostId?: string | undefined;
  address: string;
  port?: number | undefined;
  username: string;
  /** undefined or '' keeps the stored password; set `clearPassword` to remove it. */
  password?: string | undefined;
  clearPassword?: boolean | undefined;
}

const view = ({ password, ...rest }: HostCredential): HostCredentialView => ({
  ...rest,
  hasPassword: password !== undefined,
});

/** Check one host's credentials (a form post, command-line flags); BAD_INPUT names the field. */
export const validateCredential = (input: CredentialInput, now: Date): HostCredential => {
  const derived = !input.hostId?.trim();
  const parsed = credentialSchema.safeParse({
    hostId: derived ? input.address.trim() : input.hostId?.trim(),
    address: input.address,
    port: input.port ?? 22,
    username: input.username.trim(),
    ...(input.password ? { password: input.password } : {}),
    updatedAt: now.toISOString(),
  });
  if (parsed.success) return parsed.data;
  // An id derived from a bad address is the same mistake: report the address alone.
  const issues = parsed.error.issues.filter((i) => !(derived && i.path[0] === 'hostId'));
  throw new DepotError('BAD_INPUT', issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
};

export class CredentialStore {
  private readonly doc: JsonDocument<typeof fileSchema>;

  constructor(
    file: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.doc = new JsonDocument(file, fileSchema, () => ({ version: 1 as const, hosts: {} }), 0o600);
  }

  async list(): Promise<HostCredentialView[]> {
    const { hosts } = await this.doc.read();
    return Object.values(hosts)
      .map(view)
      .sort((a, b) => a.hostId.localeCompare(b.hostId));
  }

  async view(hostId: string): Promise<HostCredentialView | undefined> {
    const found = await this.get(hostId);
    return found && view(found);
  }

  /** With the password: for the collector only. */
  async get(hostId: string): Promise<HostCredential | undefined> {
    return (await this.doc.read()).hosts[hostId];
  }

  async put(input: CredentialInput): Promise<HostCredentialView> {
    return this.doc.update((doc) => {
      const hostId = input.hostId?.trim() || input.address.trim();
      const old = doc.hosts[hostId];
      const password = input.clearPassword ? undefined : input.password || old?.password;
      const cred = validateCredential({ ...input, password }, dateOf(this.clock));
      doc.hosts[cred.hostId] = cred;
      return view(cred);
    });
  }

  /**
   * File a host's credentials under a new id (the host directory adopted an old id). One write
   * moves them; credentials already stored under `to` are newer and stay.
   */
  async rename(from: string, to: string): Promise<boolean> {
    assertRecordId(to);
    return this.doc.update((doc) => {
      const old = doc.hosts[from];
      if (!old || from === to) return false;
      doc.hosts[to] ??= { ...old, hostId: to };
      delete doc.hosts[from];
      return true;
    });
  }

  async delete(hostId: string): Promise<HostCredential | undefined> {
    return this.doc.update((doc) => {
      const old = doc.hosts[hostId];
      delete doc.hosts[hostId];
      return old;
    });
  }
}
