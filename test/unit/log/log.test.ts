import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../daemon/log.js';
import { memoryLogger } from '../../fakes/log.js';

test('errors keep their code, stack and cause; odd values never make the logger throw', () => {
  const log = memoryLogger();
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const err = Object.assign(new Error('outer', { cause: new Error('inner') }), { code: 'EX' });
  log.error('boom', { err, big: 10n, cyclic });
  const line = log.lines[0]!;
  const logged = line.err as Record<string, unknown>;
  assert.equal(logged.code, 'EX');
  assert.match(String(logged.stack), /outer/);
  assert.equal((logged.cause as Record<string, unknown>).message, 'inner');
  assert.equal(line.big, '10');
  assert.equal((line.cyclic as Record<string, unknown>).self, '[circular]');
});

test('child loggers carry their name and fields; levels filter', () => {
  const out: string[] = [];
  const log = createLogger({ level: 'info', format: 'json', sink: { write: (l) => out.push(l) } });
  log.child('scan', { scanId: 's1' }).debug('hidden');
  log.child('scan', { scanId: 's1' }).info('started', { hosts: 3 });
  assert.equal(out.length, 1);
  assert.deepEqual(
    { ...JSON.parse(out[0]!), time: undefined },
    { time: undefined, level: 'info', name: 'depot.scan', msg: 'started', scanId: 's1', hosts: 3 },
  );
});

test('the human format shows an error as its message and cause on one line; debug and JSON keep the stack', () => {
  const err = new Error('root@10.0.0.5:22: connection refused', { cause: new Error('connect ECONNREFUSED') });
  const lines = (format: 'json' | 'pretty', level: 'info' | 'debug'): string => {
    const out: string[] = [];
    createLogger({ level, format, sink: { write: (l) => out.push(l) } }).warn('inventory failed', { err });
    return out.join('');
  };
  const brief = lines('pretty', 'info');
  assert.match(brief, /err=root@10\.0\.0\.5:22: connection refused: connect ECONNREFUSED\n$/);
  assert.doesNotMatch(brief, /stack|at /);
  assert.match(lines('pretty', 'debug'), /"stack":"Error: root@10/);
  assert.match(lines('json', 'info'), /"stack":"Error: root@10/);
});

test("a field named like a line's own key never replaces it: the logger's name stays searchable", () => {
  const out: string[] = [];
  const log = createLogger({ level: 'info', format: 'json', sink: { write: (l) => out.push(l) } });
  // As the TFTP root once logged a stored file: {"name":"SEP001122334455.cnf.xml",...}.
  log
    .child('tftp')
    .info('site file stored for TFTP', { name: 'SEP001122334455.cnf.xml', msg: 'x', size: 13 });
  const line = JSON.parse(out[0]!) as Record<string, unknown>;
  assert.equal(line.name, 'depot.tftp');
  assert.equal(line.msg, 'site file stored for TFTP');
  assert.equal(line.name_, 'SEP001122334455.cnf.xml');
  assert.equal(line.msg_, 'x');
  assert.equal(line.size, 13);
});
