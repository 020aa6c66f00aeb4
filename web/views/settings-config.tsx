/**
 * Settings → Appliance settings: a form per section of config.json a technician changes, the
 * feeds, what waits for a restart, and the file-only settings read-only with their JSON path.
 */
import type { ConfigFileState } from '../../daemon/settings/config-file.js';
import { getPath } from '../../daemon/settings/settings-service.js';
import { CsrfField } from './csrf-field.js';
import { Notice } from './layout.js';
import { FeedsCard } from './settings-feeds.js';
import {
  EDITED_PATHS,
  type FieldSpec,
  fieldText,
  labelOf,
  SECTIONS,
  type SectionSpec,
  type SettingsView,
  titleInSentence,
} from './settings-fields.js';
import { GroupsCard } from './settings-groups.js';
import { TableScroll } from './table-scroll.js';

const SECRET = new Set(['http.metricsToken']);
const fieldId = (path: string) => `f-${path.replaceAll('.', '-')}`;

const Field = (props: {
  f: FieldSpec;
  text: string;
  error?: string | undefined;
  by?: string | undefined;
}) => {
  const { f } = props;
  const id = fieldId(f.path);
  const describedBy = `${id}-hint${props.error ? ` ${id}-error` : ''}`;
  const common = {
    id,
    name: f.path,
    disabled: props.by !== undefined,
    'aria-describedby': describedBy,
    'aria-invalid': props.error ? 'true' : undefined,
  };
  const input =
    f.kind === 'bool' ? (
      <>
        <input type="hidden" name={f.path} value="off" disabled={props.by !== undefined} />
        <input type="checkbox" value="on" checked={props.text === 'true'} class="inline-check" {...common} />
      </>
    ) : f.kind === 'lines' || f.kind === 'keys' ? (
      <textarea rows={f.kind === 'keys' ? 6 : 3} spellcheck={false} {...common}>
        {props.text}
      </textarea>
    ) : (
      <input
        type="text"
        inputmode={f.kind === 'number' ? 'numeric' : undefined}
        value={props.text}
        {...common}
      />
    );
  return (
    <div class="field">
      <label for={id}>{f.label}</label>
      {input}
      <p class="hint" id={`${id}-hint`}>
        {f.hint} <code>{f.path}</code>
        {props.by ? ` · set by ${props.by}, so not editable here` : ''}
      </p>
      {props.error ? (
        <p class="notice error field-error" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
};

const SectionForm = (props: { s: SectionSpec; view: SettingsView }) => {
  const { s, view } = props;
  const posted = view.posted?.section === s.id ? view.posted : undefined;
  const action = `/settings/config/${s.id}`;
  return (
    <section class="card" id={s.id}>
      <h2>{s.title}</h2>
      <p class="hint">{s.intro}</p>
      {posted?.errors[''] ? <Notice kind="error">{posted.errors['']}</Notice> : null}
      <form method="post" action={action} hx-post={action} hx-target="#settings-main" hx-swap="outerHTML">
        <CsrfField token={view.csrf} />
        <input type="hidden" name="version" value={view.state.version} />
        {s.fields.map((f) => (
          <Field
            f={f}
            text={posted?.values[f.path] ?? fieldText(f.kind, getPath(view.state.config, f.path))}
            error={posted?.errors[f.path]}
            by={view.overriddenBy(f.path)}
          />
        ))}
        <button type="submit">Save {titleInSentence(s.title)}</button>
      </form>
    </section>
  );
};

const RestartCard = (props: { paths: string[]; csrf: string }) => (
  <section class="card" id="restart">
    <h2>Restart needed</h2>
    <p>
      Saved, but the running appliance uses them only after a restart:{' '}
      {props.paths.map((p, i) => (
        <>
          {i ? ', ' : ''}
          {labelOf(p)} (<code>{p}</code>)
        </>
      ))}
      .
    </p>
    <form
      method="post"
      action="/settings/config/restart"
      hx-post="/settings/config/restart"
      hx-target="#settings-main"
      hx-swap="outerHTML"
      hx-confirm="Restart the appliance now? Scans, syncs and downloads in progress stop and resume after it."
    >
      <CsrfField token={props.csrf} />
      <button type="submit">Restart now</button>
    </form>
  </section>
);

/** Leaf paths and values of the effective config, arrays whole. */
const leaves = (node: unknown, prefix = ''): Array<[string, unknown]> =>
  typeof node === 'object' && node !== null && !Array.isArray(node)
    ? Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
    : [[prefix, node]];

const shown = (path: string, value: unknown): string => {
  if (SECRET.has(path)) return value === undefined ? '(not set)' : '(set, hidden)';
  return value === undefined ? '(not set)' : JSON.stringify(value);
};

const FileOnlyCard = (props: { state: ConfigFileState; file: string }) => {
  const rows = leaves(props.state.config).filter(
    ([p]) => p !== 'dataDir' && ![...EDITED_PATHS].some((e) => p === e || p.startsWith(`${e}.`)),
  );
  return (
    <section class="card" id="file-only">
      <h2>Set in the file only</h2>
      <p class="hint">
        Tuning, listeners and policies a technician rarely changes: edit <code>{props.file}</code> and
        restart. Each is shown with its JSON path and the value in use.
      </p>
      <details>
        <summary>{rows.length} settings</summary>
        <TableScroll label="Settings set in the file only">
          <table>
            <thead>
              <tr>
                <th>Path</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([p, v]) => (
                <tr>
                  <td>
                    <code>{p}</code>
                  </td>
                  <td class="wrap">
                    <code>{shown(p, v)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </section>
  );
};

export const SettingsConfigView = (props: { view: SettingsView }) => {
  const { view } = props;
  return (
    <div id="settings-main">
      <p>
        <a href="/settings">← Settings</a>
      </p>
      <h1>Appliance settings</h1>
      <p class="hint">
        Saved to <code>{view.file}</code>; most apply at once, the others say so.
      </p>
      {view.notice ? <Notice kind={view.notice.kind}>{view.notice.text}</Notice> : null}
      {view.restart.length ? <RestartCard paths={view.restart} csrf={view.csrf} /> : null}
      <FeedsCard view={view} />
      {SECTIONS.map((s) => (
        <>
          <SectionForm s={s} view={view} />
          {s.id === 'deploy' ? <GroupsCard view={view} /> : null}
        </>
      ))}
      <FileOnlyCard state={view.state} file={view.file} />
    </div>
  );
};
