/**
 * The host-group form: a posted body becomes the entry config.json stores, and the deploy settings
 * schema's problems land next to the field that caused them (members typed by hand vs picked).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  draftFromEntry,
  draftOf,
  emptyDraft,
  entryOf,
  type GroupEntry,
  groupErrors,
} from '../../../web/views/group-form.js';
import { CONTROL_FIELDS } from '../../../web/views/settings-fields.js';
import { memberWord } from '../../../web/views/settings-groups.js';

const DESK = 'host:h-00000000aa';
const TILL = 'host:h-00000000bb';

const entry = (body: Record<string, unknown>): GroupEntry => {
  const made = entryOf(draftOf(body, CONTROL_FIELDS).draft);
  assert.ok('entry' in made, JSON.stringify(made));
  return made.entry;
};

test('a posted group becomes its entry: picked hosts and typed members together, once each', () => {
  const e = entry({
    name: 'pilot',
    ring: '0',
    hosts: [DESK, TILL],
    others: '10.0.0.0/25\n10.0.0.12, 10.0.1.7\nhost:h-00000000aa',
    window: 'Sat 22:00-Sun 04:00',
    reboot: 'never',
    _csrf: 'x',
    version: 'v',
  });
  assert.deepEqual(e, {
    name: 'pilot',
    ring: 0,
    members: [DESK, TILL, '10.0.0.0/25', '10.0.0.12', '10.0.1.7'],
    reboot: 'never',
    window: 'Sat 22:00-Sun 04:00',
  });
  assert.deepEqual(groupErrors({}, [e], 0, [DESK, TILL]), {});
  // One ticked host arrives as a string, not a list; an empty window is no window.
  const one = entry({
    name: 'tills',
    ring: '2',
    hosts: TILL,
    others: '',
    window: '',
    reboot: 'always',
  });
  assert.deepEqual(one.members, [TILL]);
  assert.equal('window' in one, false);
});

test('fields no group has are named, and a ring that is not a number is refused', () => {
  const { unknown } = draftOf({ name: 'a', ring: '1', colour: 'red', _csrf: 'x' }, CONTROL_FIELDS);
  assert.deepEqual(unknown, ['colour']);
  assert.deepEqual(entryOf({ ...emptyDraft(), name: 'a', ring: 'one' }), {
    errors: { ring: 'choose ring 0 (pilot), 1 or 2' },
  });
});

test('the schema judges each field and its message sits next to that field', () => {
  const bad = entry({
    name: 'Front Desk',
    ring: '3',
    hosts: ['host:h-00000000aa', 'host:not-an-id'],
    others: 'printer.local',
    window: 'Sat 25:00-Sun 04:00',
    reboot: 'sometimes',
  });
  const errors = groupErrors({}, [bad], 0, ['host:h-00000000aa', 'host:not-an-id']);
  assert.match(errors.name ?? '', /1-40 lowercase letters, digits and dashes/);
  assert.equal(errors.ring, 'choose ring 0 (pilot), 1 or 2');
  assert.match(errors.others ?? '', /address or CIDR .*"printer\.local"/);
  // A forged host value is named on the picker, not on the typed members.
  assert.match(errors.hosts ?? '', /"host:not-an-id"/);
  assert.ok(errors.window, 'an impossible window is refused');
  assert.ok(errors.reboot, 'an unknown reboot policy is refused');
});

test('a second group with a name in use is refused on its name only', () => {
  const first = entry({ name: 'pilot', ring: '0', others: '10.0.0.12', reboot: 'never' });
  const second = entry({ name: 'pilot', ring: '1', others: '10.0.0.13', reboot: 'never' });
  assert.deepEqual(groupErrors({}, [first, second], 1), { name: 'a group with this name exists already' });
});

test('a window is read in the deployments’ time zone; a broken time zone elsewhere is not the form’s field', () => {
  const g = entry({ name: 'pilot', ring: '0', window: 'Sat 22:00-Sun 04:00', reboot: 'never' });
  assert.deepEqual(groupErrors({ timeZone: 'Europe/Berlin' }, [g], 0), {});
  const errors = groupErrors({ timeZone: 'Mars/Olympus' }, [g], 0);
  assert.match(errors[''] ?? '', /deploy\.timeZone: unknown time zone/);
});

test('editing a stored group ticks its hosts, known or not, and lists addresses as typed members', () => {
  const d = draftFromEntry({
    name: 'office',
    ring: 1,
    members: [DESK, '10.0.0.12', 'host:h-00000000ff', '10.0.0.0/25'],
    reboot: 'always',
  });
  assert.deepEqual(d, {
    name: 'office',
    ring: '1',
    hosts: [DESK, 'host:h-00000000ff'],
    others: '10.0.0.12\n10.0.0.0/25',
    window: '',
    reboot: 'always',
  });
});

test('the group table names machines; an address says which machine has it now', () => {
  const known = [
    { id: 'h-00000000aa', name: 'front-desk', address: '10.0.0.12' },
    { id: 'h-00000000bb', name: '10.0.0.13', address: '10.0.0.13' },
  ];
  assert.equal(memberWord(DESK, known), 'front-desk');
  assert.equal(memberWord('host:h-00000000ff', known), 'h-00000000ff (not a known host)');
  assert.equal(memberWord('10.0.0.12', known), '10.0.0.12 (front-desk now)');
  assert.equal(memberWord('10.0.0.13', known), '10.0.0.13');
  assert.equal(memberWord('10.0.0.0/25', known), '10.0.0.0/25');
});
