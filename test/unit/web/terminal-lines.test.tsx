/** A host log shows a progress line once, as the terminal did, not once per carriage return. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asTerminalShows } from '../../../web/views/terminal-lines.js';

test("dpkg's Reading database counter is one line, its last state", () => {
  const raw =
    'Fetched 263 kB in 0s (4450 kB/s)\n(Reading database ... \r(Reading database ... 5%\r(Reading database ... 100%\r(Reading database ... 10492 files and directories currently installed.)\nPreparing to unpack ...\n';
  assert.equal(
    asTerminalShows(raw),
    'Fetched 263 kB in 0s (4450 kB/s)\n(Reading database ... 10492 files and directories currently installed.)\nPreparing to unpack ...\n',
  );
});

test('CRLF endings and plain text are kept as they are', () => {
  assert.equal(asTerminalShows('a\r\nb\r\n'), 'a\nb\n');
  assert.equal(asTerminalShows('no progress here\n\ttabbed'), 'no progress here\n\ttabbed');
  assert.equal(asTerminalShows(''), '');
});

test("a host's log page shows the install step's progress line once", async () => {
  const { HostLog } = await import('../../../web/views/deployment.js');
  type P = Parameters<typeof HostLog>[0];
  const step = {
    step: 'install',
    command: 'apt-get install',
    stdout: '(Reading database ... \r(Reading database ... 5%\r(Reading database ... 100%\rdone\n',
    stderr: '',
    exitCode: 0,
    startedAt: '2026-12-04T21:17:00.000Z',
    finishedAt: '2026-12-04T21:17:01.000Z',
    truncated: false,
  };
  const h = {
    hostId: 'h-1',
    phase: 'done',
    outcome: 'verified',
    steps: [step],
    failures: [],
  } as unknown as P['h'];
  const d = { id: 'dep-1', title: 't' } as unknown as P['d'];
  const html = String(<HostLog d={d} h={h} label="10.0.0.18" sudo={undefined} />);
  assert.match(html, /<pre>done\n<\/pre>/);
  assert.doesNotMatch(html, /Reading database \.\.\. 5%/);
});
