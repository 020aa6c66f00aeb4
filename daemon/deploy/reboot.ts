/**
 * Reboots: whether a host needs one (Debian's /var/run/reboot-required, needrestart's kernel
 * status, RHEL's `needs-restarting -r`), and waiting for it to return after one: its SSH port
 * up again AND a boot id different from the one before, within a deadline. A host whose sshd is
 * back but whose boot id is the old one has not rebooted yet (sshd still going down, or the
 * reboot was refused), so the port alone is never taken as proof.
 */
import type { Clock } from '../lifecycle.js';
import { type Backoff, type PortProbe, pollWithBackoff, waitForPort } from './host-return.js';
import { type RebootNeed, StepFailure } from './ports.js';

/** The kernel's id for this boot: a new random UUID each boot. */
export const BOOT_ID_COMMAND = 'cat /proc/sys/kernel/random/boot_id';

/**
 * One read-only script for every signal a host may have; each prints a line the parser knows.
 * needrestart and needs-restarting live in sbin, outside an ordinary user's PATH; `-k` asks
 * needrestart about the kernel only (services are not our reboot's business), `-b` for its
 * batch format.
 */
export const REBOOT_NEED_SCRIPT = [
  'PATH="$PATH:/usr/sbin:/sbin"',
  'if [ -e /var/run/reboot-required ] || [ -e /run/reboot-required ]; then echo "reboot-required-file: yes"; fi',
  'if command -v needrestart >/dev/null 2>&1; then needrestart -b -k 2>/dev/null; fi',
  'if command -v needs-restarting >/dev/null 2>&1; then needs-restarting -r >/dev/null 2>&1; echo "needs-restarting: $?"; fi',
  'true',
].join('; ');

/**
 * The first signal that asks for a reboot:
 * - `reboot-required-file: yes` (the file Debian's kernel and libc postinsts drop);
 * - `NEEDRESTART-KSTA: 2|3` (needrestart: 0 unknown, 1 current, 2 ABI-compatible upgrade,
 *   3 version upgrade pending) or `NEEDRESTART-UCSTA: 2` (newer microcode);
 * - `needs-restarting: 1` (dnf-utils: exit 1 = reboot needed, 0 = not, else the tool failed).
 */
export const parseRebootNeed = (stdout: string): RebootNeed => {
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z-]+):\s*(.*?)\s*$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!);
  }
  if (fields.get('reboot-required-file') === 'yes')
    return { required: true, source: '/var/run/reboot-required' };
  const ksta = fields.get('NEEDRESTART-KSTA');
  if (ksta === '2' || ksta === '3')
    return { required: true, source: `needrestart -b (NEEDRESTART-KSTA: ${ksta})` };
  if (fields.get('NEEDRESTART-UCSTA') === '2')
    return { required: true, source: 'needrestart -b (NEEDRESTART-UCSTA: 2)' };
  if (fields.get('needs-restarting') === '1') return { required: true, source: 'needs-restarting -r' };
  return { required: false };
};

/** A boot id as the kernel prints it: one UUID line. */
export const parseBootId = (stdout: string): string => {
  const id = stdout.trim();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    throw new StepFailure(
      'permanent',
      `the host's boot id is not a UUID: ${JSON.stringify(id.slice(0, 80))}`,
    );
  }
  return id;
};

export interface ReturnWatch {
  clock: Clock;
  probe: PortProbe;
  host: string;
  sshPort: number;
  /** Reads the boot id over SSH; may throw a StepFailure while the host is still coming up. */
  bootId: (signal?: AbortSignal) => Promise<string>;
  backoff?: Backoff | undefined;
}

/**
 * Wait for a rebooted host: the SSH port accepts connections, then the boot id differs from
 * `previousBootId`; resolves with the new id. An `unreachable` StepFailure at the deadline.
 */
export const awaitReturn = async (
  w: ReturnWatch,
  previousBootId: string,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<string> => {
  const deadline = w.clock.now() + deadlineMs;
  const opts = { clock: w.clock, backoff: w.backoff, signal };
  const fresh = await pollWithBackoff(
    async (left) => {
      await waitForPort(w.probe, w.host, w.sshPort, { ...opts, deadlineMs: left });
      try {
        const id = await w.bootId(signal);
        return id !== previousBootId ? id : undefined;
      } catch (err) {
        if (err instanceof StepFailure && err.kind === 'permanent') throw err;
        return undefined;
      }
    },
    { ...opts, deadlineMs: deadline - w.clock.now() },
  ).catch((err: unknown) => {
    if (err instanceof StepFailure && err.kind === 'unreachable') return undefined;
    throw err;
  });
  if (fresh === undefined) {
    throw new StepFailure(
      'unreachable',
      `${w.host} did not come back with a new boot id within ${Math.round(deadlineMs / 1000)} s`,
    );
  }
  return fresh;
};
