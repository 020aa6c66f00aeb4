/**
 * The self-updater's status file (status.json in its work directory): written atomically before
 * each phase, so a killed run is finished by the next; 0644 so the daemon can show it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { JsonFileAdapter } from '../store/json-file-adapter.js';
import type { SelfUpdateSettings } from './settings.js';

const text = z.string().optional();

export const updateStatusSchema = z.object({
  phase: z.enum(['idle', 'installing', 'verifying', 'rolling-back']),
  /** The last time the repository was asked, and what was installed and offered then. */
  checkedAt: text,
  installed: text,
  available: text,
  /** The update in progress, or the last one. */
  from: text,
  to: text,
  startedAt: text,
  /** The previous version's package, kept until the new one has proved itself. */
  rollbackDeb: text,
  /** The new version's package: the next update's way back once it has proved itself. */
  deb: text,
  /** Problems /healthz had before the update: not the update's fault if they remain. */
  problemsBefore: z.array(z.string()).optional(),
  outcome: z.enum(['updated', 'rolled-back', 'rollback-failed', 'failed']).optional(),
  endedAt: text,
  message: text,
});

export type UpdateStatus = z.infer<typeof updateStatusSchema>;
export type Phase = UpdateStatus['phase'];
export type Outcome = NonNullable<UpdateStatus['outcome']>;

export interface StatusStore {
  read(): Promise<UpdateStatus>;
  write(status: UpdateStatus): Promise<void>;
}

export const STATUS_FILE = 'status.json';
/** The updater unit's StateDirectory=. */
export const SELF_UPDATE_DIR = '/var/lib/patch-depot-update';

export const statusFile = (workDir: string): StatusStore => {
  const adapter = new JsonFileAdapter(join(workDir, STATUS_FILE), {
    mode: 0o644,
    space: 2,
    schema: updateStatusSchema,
  });
  return {
    read: async () => (await adapter.read()) ?? { phase: 'idle' },
    // undefined fields are dropped by JSON; the schema keeps what is written readable.
    write: (status) => adapter.write(updateStatusSchema.parse(status)),
  };
};

/** What the Settings page shows: the settings, and the updater's last status if it ever ran. */
export interface SelfUpdateView {
  settings: SelfUpdateSettings;
  /** Whether this daemon runs from the installed .deb (self-update updates only that). */
  packaged: boolean;
  status(): Promise<UpdateStatus | undefined>;
}

export const selfUpdateView = (settings: SelfUpdateSettings, dir = SELF_UPDATE_DIR): SelfUpdateView => ({
  settings,
  packaged: existsSync(`/var/lib/dpkg/info/${settings.package}.list`),
  status: () =>
    statusFile(dir)
      .read()
      .then(
        (s) => (s.checkedAt || s.outcome || s.phase !== 'idle' ? s : undefined),
        () => undefined,
      ),
});
