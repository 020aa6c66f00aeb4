/** What a host sends never reaches the technician's terminal as control characters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInventory } from '../../daemon/inventory/cli.js';
import type { HostInventory } from '../../daemon/inventory/types.js';
import { createLogger } from '../../daemon/log.js';
import { terminalText } from '../../daemon/terminal-text.js';

/** Any C0 but newline and tab, DEL, any C1, or a bidirectional control. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must never come out
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

const CLEAR_SCREEN = '\u001b[2J\u001b[H';
const RETITLE = '\u001b]0;pwned\u0007';
const CSI_C1 = '\u009b31m';

test('terminalText shows control characters as visible escapes and keeps newline and tab', () => {
  assert.equal(terminalText(`a${CLEAR_SCREEN}b`), 'a\\x1b[2J\\x1b[Hb');
  assert.equal(terminalText(RETITLE), '\\x1b]0;pwned\\x07');
  assert.equal(terminalText(CSI_C1), '\\x9b31m');
  assert.equal(terminalText('evil\u202etxt.exe'), 'evil\\u202etxt.exe');
  assert.equal(terminalText('over\rwrite\b\u007f\u0000'), 'over\\x0dwrite\\x08\\x7f\\x00');
  assert.equal(terminalText('line 1\n\tline 2 · ünïcode ✓ 🙂'), 'line 1\n\tline 2 · ünïcode ✓ 🙂');
});

test('the inventory CLI prints a hostile host inventory without its escape sequences', () => {
  const inv: HostInventory = {
    hostId: 'h1',
    collectedAt: '2026-12-01T10:00:00.000Z',
    os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: `Debian${CLEAR_SCREEN}` },
    kernel: `6.1.0${RETITLE}`,
    ecosystem: 'dpkg',
    rebootRequired: false,
    packages: [
      { name: `libc6${CSI_C1}`, version: '2.36-9', arch: 'amd64', source: `glibc\u202e` },
      { name: 'openssl', version: `3.0.15-1\u001bc`, arch: 'amd64' },
    ],
  };
  const out = formatInventory(inv);
  assert.doesNotMatch(out, UNSAFE);
  assert.match(out, /^Debian\\x1b\[2J\\x1b\[H · kernel 6\.1\.0\\x1b\]0;pwned\\x07 · dpkg · 2 packages\n/);
  assert.match(out, /\nlibc6\\x9b31m +2\.36-9 +amd64 +\(source glibc\\u202e 2\.36-9\)\n/);
  assert.match(out, /\nopenssl +3\.0\.15-1\\x1bc +amd64\n$/);
});

test('the human log format escapes what a host put in a field; JSON escapes by itself', () => {
  const lines: string[] = [];
  const sink = { write: (l: string) => lines.push(l) };
  createLogger({ level: 'info', format: 'pretty', sink }).warn('remote said', { stderr: CLEAR_SCREEN });
  createLogger({ level: 'info', format: 'json', sink }).warn('remote said', { stderr: CLEAR_SCREEN });
  for (const line of lines) assert.doesNotMatch(line, UNSAFE);
  assert.match(lines[0]!, /stderr=\\x1b\[2J\\x1b\[H\n$/);
  assert.equal(JSON.parse(lines[1]!).stderr, CLEAR_SCREEN);
});
