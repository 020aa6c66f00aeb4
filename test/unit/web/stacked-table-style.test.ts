/**
 * A table that stacks on a phone (table.stack: one card of labelled lines per row) never scrolls
 * sideways, so the scroll region around it shows no edge shadows: their covers are card-coloured
 * and would draw white bands over the page's grey at the right of every card (seen at 390 px on
 * Patches, by host).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

test('a stacked table in a scroll region has no edge-shadow background on a phone', async () => {
  const css = await readFile(new URL('../../../web/static/style.css', import.meta.url), 'utf8');
  // the phone block that stacks tables
  const phone = css.slice(css.lastIndexOf('@media (max-width: 640px)', css.indexOf('table.stack thead')));
  const rule = /\.table-scroll:has\(> table\.stack\) \{\s*background: none;\s*\}/.exec(phone);
  assert.ok(rule, 'the phone block clears .table-scroll backgrounds around table.stack');
  const end = phone.indexOf('\n}\n');
  assert.ok(rule.index < end, 'inside the phone media block');
});

test('a stacked tick box sits after its label, not on a full-width line of its own', async () => {
  const css = await readFile(new URL('../../../web/static/style.css', import.meta.url), 'utf8');
  const phone = css.slice(css.lastIndexOf('@media (max-width: 640px)', css.indexOf('table.stack thead')));
  const block = phone.slice(0, phone.indexOf('\n}\n'));
  assert.match(block, /table\.stack td input\[type="checkbox"\] \{\s*display: inline-block;\s*width: auto;/);
});

test('a stacked card wraps its lines: a long deployment title stays inside the card', async () => {
  const css = await readFile(new URL('../../../web/static/style.css', import.meta.url), 'utf8');
  const phone = css.slice(css.lastIndexOf('@media (max-width: 640px)', css.indexOf('table.stack thead')));
  const block = phone.slice(0, phone.indexOf('\n}\n'));
  assert.match(block, /\.table-scroll table\.stack td \{\s*white-space: normal;\s*\}/);
});
