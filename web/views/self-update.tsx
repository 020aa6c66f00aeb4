/** Settings → Self-update: when the appliance updates its own package, and how the last run went. */
import type { SelfUpdateView, UpdateStatus } from '../../daemon/self-update/status.js';
import { When } from './when.js';

const OUTCOME: Record<NonNullable<UpdateStatus['outcome']>, string> = {
  updated: 'updated',
  'rolled-back': 'rolled back',
  'rollback-failed': 'ROLLBACK FAILED: needs a technician',
  failed: 'not updated',
};

const LastRun = (props: { s: UpdateStatus }) => {
  const { s } = props;
  return (
    <dl class="facts">
      <dt>Last check</dt>
      <dd>
        <When at={s.checkedAt} />
        {s.installed ? ` · installed ${s.installed}` : ''}
        {s.available ? ` · offered ${s.available}` : ''}
      </dd>
      {s.phase !== 'idle' ? (
        <>
          <dt>In progress</dt>
          <dd>
            {s.phase} {s.from} → {s.to} since <When at={s.startedAt} />
          </dd>
        </>
      ) : null}
      {s.outcome ? (
        <>
          <dt>Last update</dt>
          <dd class={s.outcome === 'updated' ? 'ok' : 'warn'}>
            {OUTCOME[s.outcome]} ({s.from} → {s.to}), <When at={s.endedAt} />
            {s.message ? <p>{s.message}</p> : null}
          </dd>
        </>
      ) : null}
    </dl>
  );
};

export const SelfUpdateCard = (props: { view: SelfUpdateView; status: UpdateStatus | undefined }) => {
  const { settings } = props.view;
  return (
    <section class="card" id="self-update">
      <h2>Self-update</h2>
      {!props.view.packaged ? (
        <p>
          This daemon does not run from the installed <code>{settings.package}</code> package, so it cannot
          update itself: install the .deb.
        </p>
      ) : settings.enabled ? (
        <p>
          On: in the window <strong>{settings.window}</strong>
          {settings.timeZone ? ` (${settings.timeZone})` : ''}, from the repository in{' '}
          <code>{settings.sources}</code>, through this appliance's cache. A new version that is not healthy
          within {settings.healthTimeoutSec} s is rolled back.
        </p>
      ) : (
        <p>
          Off. Set <code>selfUpdate.enabled</code> in config.json, with the repository in{' '}
          <code>{settings.sources}</code>.
        </p>
      )}
      {props.status ? <LastRun s={props.status} /> : null}
      <p class="hint">
        At the appliance, as root: <code>patch-depot self-update --check</code> asks the repository,{' '}
        <code>--now</code> updates outside the window, <code>--status</code> shows the last run.
      </p>
    </section>
  );
};
