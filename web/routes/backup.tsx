/**
 * Settings → Backup and restore (admins), and restore on a fresh appliance from the setup page
 * (with the setup code, so nobody else on the LAN can plant their own state first). A backup is
 * streamed as a download; a restore is unpacked and checked beside the data directory, then the
 * daemon restarts and swaps it in before anything opens the old state (daemon/backup/backup.ts).
 */

import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { skipInBackup, stageRestore, writeBackup } from '../../daemon/backup/backup.js';
import { checkPassphrase } from '../../daemon/backup/sealed-stream.js';
import { DepotError, httpStatusFor } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { SetupCodeField } from '../views/account-fields.js';
import { CsrfField } from '../views/csrf-field.js';
import { formText } from '../views/form-lines.js';
import { Notice, renderPage } from '../views/layout.js';

const text = formText;

/** The restore form: on Settings, or on the setup page with the setup code. */
export const RestoreForm = (props: { csrf: string; action: string; withCode?: boolean }) => (
  <form method="post" action={props.action} enctype="multipart/form-data" hx-boost="false">
    <CsrfField token={props.csrf} />
    {props.withCode ? <SetupCodeField /> : null}
    <label>
      Backup file
      <input type="file" name="archive" accept=".pdbackup" required />
    </label>
    <label>
      Passphrase
      <input type="password" name="passphrase" autocomplete="off" required />
    </label>
    <button type="submit">Restore</button>
  </form>
);

export const BackupCard = (props: {
  csrf: string;
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}) => (
  <section class="card" id="backup">
    <h2>Backup and restore</h2>
    {props.notice ? <Notice kind={props.notice.kind}>{props.notice.text}</Notice> : null}
    <p>
      One file with this appliance's settings, accounts, hosts and their keys, the site key, API tokens,
      feeds, inventories and history (not the package cache), encrypted with a passphrase you choose. Keep the
      passphrase apart from the file: without it the file is useless, to you as well.
    </p>
    <form method="post" action="/settings/backup" hx-boost="false">
      <CsrfField token={props.csrf} />
      <label>
        Passphrase (12 characters or more)
        <input type="password" name="passphrase" autocomplete="new-password" minlength={12} required />
      </label>
      <label>
        Repeat passphrase
        <input type="password" name="confirm" autocomplete="new-password" minlength={12} required />
      </label>
      <button type="submit">Download backup</button>
    </form>
    <h3>Restore</h3>
    <p class="hint">
      Replaces everything this appliance knows with the backup's; the current state is kept aside in the data
      directory. The appliance restarts to use it.
    </p>
    <RestoreForm csrf={props.csrf} action="/settings/restore" />
  </section>
);

const cacheRel = (deps: WebDeps): string | undefined => deps.backup?.cacheRel;

/** Stage the uploaded archive, then restart; the answer says what happens next. */
const restoreFrom = async (c: Context<WebEnv>, deps: WebDeps, body: Record<string, unknown>) => {
  const file = body.archive;
  if (!(file instanceof File) || file.size === 0) throw new DepotError('BAD_INPUT', 'choose a backup file');
  const { files } = await stageRestore(
    deps.backup!.dataDir,
    Readable.fromWeb(file.stream() as import('node:stream/web').ReadableStream<Uint8Array>),
    text(body, 'passphrase'),
  );
  const underSystemd = deps.backup!.restart();
  return renderPage(
    c,
    { title: 'Restoring', bare: true },
    <section class="card narrow">
      <h1>Backup accepted</h1>
      <p>
        {files} files checked and ready.{' '}
        {underSystemd
          ? 'The appliance restarts now and comes back with the restored state: sign in again in a few seconds with an account of the backup.'
          : 'The daemon has stopped: start it again and it comes back with the restored state.'}
      </p>
      <p>
        <a href="/login">Sign in</a>
      </p>
    </section>,
  );
};

export const backupRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const need = () => {
    if (!deps.backup) throw new DepotError('UNAVAILABLE', 'backup is not available in this build');
    return deps.backup;
  };

  app.post('/settings/backup', async (c) => {
    const backup = need();
    const body = await c.req.parseBody();
    const passphrase = text(body, 'passphrase');
    if (passphrase !== text(body, 'confirm'))
      throw new DepotError('BAD_INPUT', 'the two passphrases do not match');
    checkPassphrase(passphrase);
    await deps.store.flush();
    const { PassThrough } = await import('node:stream');
    const out = new PassThrough();
    writeBackup(backup.dataDir, out, passphrase, skipInBackup(cacheRel(deps))).catch((err: unknown) => {
      deps.log.error('backup failed', { err });
      out.destroy(err as Error);
    });
    const day = new Date().toISOString().slice(0, 10);
    return c.body(Readable.toWeb(out) as ReadableStream, 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="patch-depot-${day}.pdbackup"`,
      'Cache-Control': 'no-store',
    });
  });

  app.post('/settings/restore', async (c) => restoreFrom(c, deps, await c.req.parseBody()));

  // Before setup anyone on the LAN can send this one large body (the setup code is inside it):
  // one upload at a time, so a Pi never holds more than one in memory.
  let receiving = false;
  app.use('/setup/restore', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    if (receiving)
      return c.text('another restore is being uploaded; try again in a minute\n', 429, {
        'Retry-After': '60',
      });
    receiving = true;
    try {
      await next();
    } finally {
      receiving = false;
    }
  });

  // A fresh appliance: restore instead of setting up, with the setup code.
  app.post('/setup/restore', async (c) => {
    const body = await c.req.parseBody();
    if (deps.auth.isSetUp()) return c.redirect('/login', 303);
    try {
      await deps.auth.checkSetupCode(text(body, 'code'), c.get('remoteAddr'));
      return await restoreFrom(c, deps, body);
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      return renderPage(
        c,
        { title: 'Restore', bare: true, status: httpStatusFor(err.code) as 400 },
        <section class="card narrow">
          <h1>Restore from a backup</h1>
          <Notice kind="error">{err.message}</Notice>
          <RestoreForm csrf={c.get('csrf')} action="/setup/restore" withCode />
          <p>
            <a href="/setup">Set up as a new appliance instead</a>
          </p>
        </section>,
      );
    }
  });
  return app;
};
