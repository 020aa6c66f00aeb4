/**
 * Settings → host groups (deploy.groups): the groups with their ring, members by name, window and
 * reboot policy; a form to add one or edit one (machines ticked from the host directory, subnets
 * typed); remove asks first.
 */
import { REBOOT_POLICIES } from '../../daemon/deploy/deployment.js';
import { hostMember, memberHostId } from '../../daemon/deploy/site-settings.js';
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

/**
 * A member in words: a machine by its name (or as unknown); an address as written, with the
 * machine that has it now (it holds whichever machine has it, which a group of old may not mean).
 */
export const memberWord = (member: string, known: readonly KnownHost[]): string => {
  const { byId, byAddress } = lookupOf(known);
  const id = memberHostId(member);
  if (id === undefined) {
    const at = byAddress.get(member);
    return at && at.name !== member ? `${member} (${at.name} now)` : member;
  }
  return byId.get(id)?.name ?? `${id} (not a known host)`;
};

/** The known hosts by id and by address, made once per list (a table names every member of every group). */
const lookups = new WeakMap<
  readonly KnownHost[],
  { byId: Map<string, KnownHost>; byAddress: Map<string, KnownHost> }
>();
const lookupOf = (known: readonly KnownHost[]) => {
  let l = lookups.get(known);
  if (!l) {
    l = { byId: new Map(), byAddress: new Map() };
    for (const h of known) {
      l.byId.set(h.id, h);
      if (h.address !== undefined && !l.byAddress.has(h.address)) l.byAddress.set(h.address, h);
    }
    lookups.set(known, l);
  }
  return l;
};

const memberWords = (members: readonly string[], known: readonly KnownHost[]): string =>
  members.length ? members.map((m) => memberWord(m, known)).join(', ') : 'none yet';

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

/**
 * What the picker lists: ticked machines first (an id no longer known among them), then the rest
 * that are deployment targets: the appliance, printers, phones and TVs only once ticked.
 */
const pickable = (d: GroupDraft, known: readonly KnownHost[]): KnownHost[] => {
  const ids = new Set(known.map((h) => h.id));
  const ticked = new Set(d.hosts);
  const missing = d.hosts.flatMap((m) => {
    const id = memberHostId(m);
    return id !== undefined && !ids.has(id) ? [{ id, name: id }] : [];
  });
  const isTicked = (h: KnownHost) => ticked.has(hostMember(h.id));
  return [...missing, ...known.filter(isTicked), ...known.filter((h) => !isTicked(h) && !h.notTarget)];
};

const HostChoice = (props: { h: KnownHost; i: number; ticked: boolean; known: boolean }) => (
  <label class="check" for={`group-host-${props.i}`}>
    <input
      type="checkbox"
      class="inline-check"
      id={`group-host-${props.i}`}
      name="hosts"
      value={hostMember(props.h.id)}
      checked={props.ticked}
    />{' '}
    {props.h.name}
    <span class="hint">
      {!props.known
        ? ' (not a known host: untick to remove it)'
        : props.h.notTarget
          ? ` (${props.h.notTarget})`
          : props.h.address && props.h.address !== props.h.name
            ? ` (${props.h.address})`
            : props.h.address
              ? ''
              : ' (no address yet)'}
    </span>
  </label>
);

export const MemberPicker = (props: {
  d: GroupDraft;
  known: readonly KnownHost[];
  error?: string | undefined;
}) => {
  const list = pickable(props.d, props.known);
  const known = new Set(props.known.map((h) => h.id));
  return (
    <fieldset
      class="field"
      id="group-hosts"
      aria-describedby={`group-hosts-hint${props.error ? ' group-hosts-error' : ''}`}
    >
      <legend>Hosts</legend>
      {list.length ? (
        <div class="pick-list">
          {list.map((h, i) => (
            <HostChoice
              h={h}
              i={i}
              ticked={props.d.hosts.includes(hostMember(h.id))}
              known={known.has(h.id)}
            />
          ))}
        </div>
      ) : (
        <p>No known hosts yet: scan a scope or add a host, or type a subnet below.</p>
      )}
      <Hint id="group-hosts">
        A ticked host stays in this group whatever address it gets, even inside another group’s subnet; a host
        ticked in two groups belongs to the first one listed. This appliance, printers, phones, network
        devices and TVs are not listed: they are not patched over SSH.
      </Hint>
      <FieldError id="group-hosts" error={props.error} />
    </fieldset>
  );
};

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
        <label for="group-others">Subnets and addresses</label>
        <textarea name="others" rows={2} spellcheck={false} {...described('group-others', errors.others)}>
          {d.others}
        </textarea>
        <Hint id="group-others">
          CIDRs or addresses, one per line (e.g. 10.0.0.0/25 for hosts yet to come). An address holds
          whichever machine has it: tick a machine above to keep it when DHCP moves it.
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
  return g ? { draft: draftFromEntry(g), errors: {}, editing: g.name } : { draft: emptyDraft(), errors: {} };
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
        Which hosts install in which ring, when, and whether they reboot. Saved to <code>deploy.groups</code>.
        The next deployment planned uses them at once; deployments already planned keep theirs.
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
