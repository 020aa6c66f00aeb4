/**
 * Settings → host groups (deploy.groups): the groups with their ring, members by name, window and
 * reboot policy; a form to add one or edit one; remove asks first.
 */
import { REBOOT_POLICIES } from '../../daemon/deploy/deployment.js';
import { CsrfField } from './csrf-field.js';
import type { GroupDraft, GroupFormState, KnownHost } from './group-form.js';
import { draftFromEntry, emptyDraft } from './group-form.js';
import { ActionsHeading, Empty, Notice } from './layout.js';
import { SettingsAction } from './settings-action.js';
import type { SettingsView } from './settings-fields.js';
import { TableScroll } from './table-scroll.js';

const RINGS = [
  ['0', 'Ring 0 (pilot: first to install)'],
  ['1', 'Ring 1 (after the pilot passed its gate)'],
  ['2', 'Ring 2 (last; hosts in no group are here too)'],
] as const;

const REBOOT_WORDS: Record<(typeof REBOOT_POLICIES)[number], string> = {
  never: 'Never (a technician reboots)',
  'if-required': 'If an update requires it',
  always: 'Always after updates',
};

type Group = SettingsView['state']['config']['deploy']['groups'][number];

const memberWords = (members: readonly string[], known: readonly KnownHost[]): string => {
  if (!members.length) return 'none yet';
  return members.map((m) => known.find((h) => h.address === m)?.name ?? m).join(', ');
};

const FieldError = (props: { id: string; error?: string | undefined }) =>
  props.error ? (
    <p class="notice error field-error" id={`${props.id}-error`}>
      {props.error}
    </p>
  ) : null;

const described = (id: string, error: string | undefined) => ({
  id,
  'aria-describedby': `${id}-hint${error ? ` ${id}-error` : ''}`,
  'aria-invalid': error ? 'true' : undefined,
});

const GroupRow = (props: { g: Group; known: readonly KnownHost[]; csrf: string; version: string }) => {
  const { g } = props;
  const base = `/settings/config/groups/${encodeURIComponent(g.name)}`;
  return (
    <tr>
      <td>{g.name}</td>
      <td class="num">{g.ring}</td>
      <td class="wrap">{memberWords(g.members, props.known)}</td>
      <td>{g.window ?? 'any time'}</td>
      <td>{REBOOT_WORDS[g.reboot]}</td>
      <td>
        <a href={`/settings/config?group=${encodeURIComponent(g.name)}#groups`}>
          Edit<span class="visually-hidden"> group {g.name}</span>
        </a>{' '}
        <SettingsAction
          action={`${base}/remove`}
          csrf={props.csrf}
          version={props.version}
          what={`group ${g.name}`}
          confirm={`Remove the host group "${g.name}"? Its hosts fall back to ring 2 with no window.`}
        >
          Remove
        </SettingsAction>
      </td>
    </tr>
  );
};

const Hint = (props: { id: string; children: string }) => (
  <p class="hint" id={`${props.id}-hint`}>
    {props.children}
  </p>
);

const MemberPicker = (props: { d: GroupDraft; known: readonly KnownHost[]; error?: string | undefined }) => (
  <fieldset
    class="field"
    id="group-hosts"
    aria-describedby={`group-hosts-hint${props.error ? ' group-hosts-error' : ''}`}
  >
    <legend>Members</legend>
    {props.known.length ? (
      props.known.map((h, i) => (
        <label class="check" for={`group-host-${i}`}>
          <input
            type="checkbox"
            class="inline-check"
            id={`group-host-${i}`}
            name="hosts"
            value={h.address}
            checked={props.d.hosts.includes(h.address)}
          />{' '}
          {h.name}
          {h.name !== h.address ? <span class="hint"> ({h.address})</span> : null}
        </label>
      ))
    ) : (
      <p>No known hosts yet: scan a scope or add a host, or type addresses below.</p>
    )}
    <Hint id="group-hosts">A host in two groups belongs to the first one listed.</Hint>
    <FieldError id="group-hosts" error={props.error} />
  </fieldset>
);

const GroupForm = (props: { view: SettingsView; form: GroupFormState }) => {
  const { view, form } = props;
  const { draft: d, errors } = form;
  const action = form.editing
    ? `/settings/config/groups/${encodeURIComponent(form.editing)}`
    : '/settings/config/groups';
  return (
    <form method="post" action={action} hx-post={action} hx-target="#settings-main" hx-swap="outerHTML">
      <CsrfField token={view.csrf} />
      <input type="hidden" name="version" value={view.state.version} />
      <div class="field">
        <label for="group-name">Name</label>
        <input type="text" name="name" value={d.name} required {...described('group-name', errors.name)} />
        <Hint id="group-name">1 to 40 lowercase letters, digits and dashes, e.g. pilot or front-desk.</Hint>
        <FieldError id="group-name" error={errors.name} />
      </div>
      <div class="field">
        <label for="group-ring">Ring</label>
        <select name="ring" {...described('group-ring', errors.ring)}>
          {RINGS.map(([value, words]) => (
            <option value={value} selected={d.ring === value}>
              {words}
            </option>
          ))}
        </select>
        <Hint id="group-ring">A ring starts once the ring before it passed its gate.</Hint>
        <FieldError id="group-ring" error={errors.ring} />
      </div>
      <MemberPicker d={d} known={view.knownHosts} error={errors.hosts} />
      <div class="field">
        <label for="group-others">Other members</label>
        <textarea name="others" rows={2} spellcheck={false} {...described('group-others', errors.others)}>
          {d.others}
        </textarea>
        <Hint id="group-others">
          Addresses or CIDRs not in the list above, one per line (e.g. 10.0.0.0/25 for hosts yet to come).
        </Hint>
        <FieldError id="group-others" error={errors.others} />
      </div>
      <div class="field">
        <label for="group-window">Maintenance window</label>
        <input type="text" name="window" value={d.window} {...described('group-window', errors.window)} />
        <Hint id="group-window">
          A weekly window of 1 to 24 hours in the deployments’ time zone, e.g. Sat 22:00-Sun 04:00; empty: any
          time.
        </Hint>
        <FieldError id="group-window" error={errors.window} />
      </div>
      <div class="field">
        <label for="group-reboot">Reboot</label>
        <select name="reboot" {...described('group-reboot', errors.reboot)}>
          {REBOOT_POLICIES.map((p) => (
            <option value={p} selected={d.reboot === p}>
              {REBOOT_WORDS[p]}
            </option>
          ))}
        </select>
        <Hint id="group-reboot">After its updates are installed.</Hint>
        <FieldError id="group-reboot" error={errors.reboot} />
      </div>
      <button type="submit">{form.editing ? `Save group ${form.editing}` : 'Add group'}</button>{' '}
      {form.editing ? <a href="/settings/config#groups">Cancel</a> : null}
    </form>
  );
};

/** The form the page shows: the one posted, the group asked for (?group=), or an empty one. */
export const groupFormOf = (view: SettingsView, editName: string | undefined): GroupFormState => {
  if (view.group) return view.group;
  const g = editName ? view.state.config.deploy.groups.find((x) => x.name === editName) : undefined;
  return g
    ? { draft: draftFromEntry(g, view.knownHosts), errors: {}, editing: g.name }
    : { draft: emptyDraft(), errors: {} };
};

export const GroupsCard = (props: { view: SettingsView }) => {
  const { view } = props;
  const groups = view.state.config.deploy.groups;
  const form = groupFormOf(view, view.editGroup);
  const by = view.overriddenBy('deploy.groups');
  return (
    <section class="card" id="groups">
      <h2>Host groups</h2>
      <p class="hint">
        Which hosts install in which ring, when, and whether they reboot. Saved to <code>deploy.groups</code>;
        the next deployment planned uses them, deployments already planned keep theirs.
      </p>
      {groups.length === 0 ? (
        <Empty>
          <p>No host groups yet: every host deploys in ring 2 at any time. Add a pilot group below.</p>
        </Empty>
      ) : (
        <TableScroll label="Host groups">
          <table aria-label="Host groups">
            <thead>
              <tr>
                <th>Name</th>
                <th class="num">Ring</th>
                <th>Members</th>
                <th>Window</th>
                <th>Reboot</th>
                <ActionsHeading />
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <GroupRow g={g} known={view.knownHosts} csrf={view.csrf} version={view.state.version} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3 id="group-form">{form.editing ? `Edit group ${form.editing}` : 'Add a group'}</h3>
      {form.errors[''] ? <Notice kind="error">{form.errors['']}</Notice> : null}
      {by ? <p class="hint">Set by {by}, so not editable here.</p> : <GroupForm view={view} form={form} />}
    </section>
  );
};
