/** The `discover` CLI's table: names from the network never reach the terminal as control text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanTable } from '../../../daemon/discovery/cli.js';
import type { Observation } from '../../../daemon/discovery/scanner.js';
import { terminalText } from '../../../daemon/terminal-text.js';
import { sampleObservation } from '../../sample-observation.js';

const device = (ip: string, extra: Partial<Observation>): Observation => sampleObservation({ ip, ...extra });

test('mDNS and host names are printed with their escape sequences made visible', () => {
  const out = scanTable([
    device('192.168.1.20', { hostnames: ['nas\u001b[2J\u001b]0;pwned\u0007'], openPorts: [22] }),
    device('192.168.1.21', {
      services: [{ name: 'Printer\u009b31m\u202e', type: 'ipp', protocol: 'tcp', port: 631, txt: {} }],
    }),
  ]);
  assert.equal(terminalText(out), out, 'nothing left for the terminal to act on');
  assert.match(out, /^192\.168\.1\.20 +- +- +unknown +nas\\x1b\[2J\\x1b\]0;pwned\\x07 +22$/m);
  assert.match(out, /^192\.168\.1\.21 +- +- +unknown +Printer\\x9b31m\\u202e +-$/m);
});

test('a name cannot break its row to forge another device line', () => {
  const out = scanTable([device('192.168.1.30', { hostnames: ['tv\n10.6.6.6 evil\tx'] })]);
  const lines = out.split('\n');
  assert.equal(lines.length, 2, 'a header and one row');
  assert.match(lines[1]!, /^192\.168\.1\.30 +- +- +unknown +tv\\n10\.6\.6\.6 evil\\tx +-$/);
});

test('columns stay aligned on the escaped text', () => {
  const out = scanTable([
    device('10.0.0.1', { hostnames: ['a\u001bb'] }),
    device('10.0.0.2', { hostnames: ['plain'] }),
  ]);
  const [head, ...rows] = out.split('\n');
  const at = head!.indexOf('PORTS');
  for (const row of rows) assert.equal(row.slice(at), '-', `${row}: PORTS starts where its heading does`);
});

test('a table of 200,000 devices prints (no stack overflow from one argument per row)', () => {
  const one = device('10.0.0.1', {});
  const out = scanTable(Array.from({ length: 200_000 }, () => one));
  assert.equal(out.split('\n').length, 200_001);
});
