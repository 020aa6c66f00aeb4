/** The missing-fixes CSV: its columns, quoting, and no formula a spreadsheet would run. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf } from '../../../daemon/assess/assess.js';
import type { HostAssessment, MissingFix } from '../../../daemon/assess/types.js';
import { csvCell, missingFixesCsv } from '../../../daemon/reports/missing-fixes-csv.js';

const fix = (over: Partial<MissingFix>): MissingFix => ({
  advisoryId: 'CVE-2024-8176',
  cves: ['CVE-2024-8176'],
  severity: 'high',
  summary: 'expat stack overflow',
  feedId: 'debian',
  package: 'expat',
  packageKind: 'source',
  binaries: ['libexpat1', 'libexpat1-dev'],
  installed: '2.5.0-1',
  fixed: '2.5.0-1+deb12u2',
  ...over,
});

const host = (hostId: string, missing: MissingFix[]): HostAssessment => ({
  hostId,
  release: 'debian:bookworm',
  ecosystem: 'dpkg',
  covered: true,
  packages: 10,
  findings: findingsOf(missing),
  unfixed: 0,
  bySeverity: { critical: 0, high: missing.length, medium: 0, low: 0, negligible: 0, unknown: 0 },
  compliant: missing.length === 0,
  rebootRequired: false,
  collectedAt: '2026-11-23T10:00:00.000Z',
});

test('one row per missing fix per host, named as the pages name it, with its stable host id last', () => {
  const names: Record<string, string> = { h1: 'pc-1.lan' };
  const csv = missingFixesCsv(
    [host('h1', [fix({}), fix({ package: 'curl', binaries: ['curl'] })]), host('h2', [])],
    (id) => names[id] ?? id,
  );
  assert.equal(
    csv,
    [
      'host,release,severity,package,binaries,installed,fixed,advisory,cves,feed,host_id',
      'pc-1.lan,debian:bookworm,high,expat,libexpat1 libexpat1-dev,2.5.0-1,2.5.0-1+deb12u2,CVE-2024-8176,CVE-2024-8176,debian,h1',
      'pc-1.lan,debian:bookworm,high,curl,curl,2.5.0-1,2.5.0-1+deb12u2,CVE-2024-8176,CVE-2024-8176,debian,h1',
      '',
    ].join('\n'),
  );
});

test('quotes, commas and newlines are quoted; embedded quotes doubled', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
  const csv = missingFixesCsv([host('h1', [fix({ advisoryId: 'A,"1"' })])], () => 'pc\n1');
  assert.ok(csv.includes('"pc\n1",'));
  assert.ok(csv.includes(',"A,""1""",'));
});

test('cells a spreadsheet would run as formulas get a leading quote', () => {
  assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-2+3'), "'-2+3");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tcmd'), `"'\tcmd"`);
  assert.equal(csvCell('1-2'), '1-2');
  const csv = missingFixesCsv([host('h1', [fix({ fixed: '=1+1' })])], () => '@host');
  const row = csv.split('\n')[1] ?? '';
  assert.ok(row.startsWith("'@host,"));
  assert.ok(row.includes(",'=1+1,"));
});

test('OWASP CSV injection: white space or a line break before = + - @ is defused too, and separators are quoted', () => {
  // Spreadsheets trim leading white space and line breaks before they look for a formula.
  for (const lead of ['\n', '\r', '\t', ' ', '  ', '\r\n', '\u00A0', '\u3000']) {
    for (const op of ['=', '+', '-', '@', '\uFF1D']) {
      const cell = csvCell(`${lead}${op}HYPERLINK("http://x")`);
      assert.match(cell, /^"'/, JSON.stringify(lead + op));
    }
  }
  assert.equal(csvCell('\n'), `"'\n"`, 'a lone line feed starts a cell as OWASP lists it');
  assert.equal(csvCell(' plain'), ' plain', 'leading space before text stays as it is');
  assert.equal(csvCell('a;=1+1'), '"a;=1+1"', 'semicolon-separated locales keep it one cell');
  assert.equal(csvCell('a\t=1+1'), '"a\t=1+1"', 'a tab-separated import keeps it one cell');
  const csv = missingFixesCsv([host('h1', [fix({ fixed: '\n=1+1', installed: ' @SUM(A1)' })])], () => 'pc');
  const cells = csv.slice(csv.indexOf('\n') + 1);
  assert.ok(cells.includes(`,"'\n=1+1",`), cells);
  assert.ok(cells.includes(",' @SUM(A1),"), cells);
});
