/** Reading a host's reboot need, and waiting for it to return with a new boot id. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { StepFailure } from '../../../daemon/deploy/ports.js';
import { awaitReturn, parseBootId, parseRebootNeed } from '../../../daemon/deploy/reboot.js';
import { SteppingClock } from '../../fakes/stepping-clock.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/deploy/reboot/${name}`, import.meta.url), 'utf8');

test('needrestart -b: a pending kernel (KSTA 2 or 3) needs a reboot, a current one does not', () => {
  assert.deepEqual(parseRebootNeed(fixture('needrestart-kernel-pending.txt')), {
    required: true,
    source: 'needrestart -b (NEEDRESTART-KSTA: 3)',
  });
  assert.deepEqual(parseRebootNeed(fixture('needrestart-current.txt')), { required: false });
  assert.equal(parseRebootNeed('NEEDRESTART-KSTA: 0\n').required, false, '0 = unknown is not a yes');
});

test('the reboot-required file, and needs-restarting -r exit 1, each ask for a reboot', () => {
  assert.deepEqual(parseRebootNeed('reboot-required-file: yes\nNEEDRESTART-KSTA: 1\n'), {
    required: true,
    source: '/var/run/reboot-required',
  });
  assert.deepEqual(parseRebootNeed('needs-restarting: 1\n'), {
    required: true,
    source: 'needs-restarting -r',
  });
  assert.equal(parseRebootNeed('needs-restarting: 0\n').required, false);
  assert.equal(parseRebootNeed('needs-restarting: 127\n').required, false, 'a broken tool is not a yes');
  assert.equal(parseRebootNeed('').required, false);
});

test('boot id: one UUID line', () => {
  assert.equal(parseBootId('0f6c2b1e-8a44-4d3c-9a3e-2f1d5b7c9e01\n'), '0f6c2b1e-8a44-4d3c-9a3e-2f1d5b7c9e01');
  assert.throws(() => parseBootId('cat: /proc/sys/kernel/random/boot_id: No such file'), StepFailure);
});

const OLD = '0f6c2b1e-8a44-4d3c-9a3e-2f1d5b7c9e01';
const NEW = '7d1e0c55-0b2a-4f7e-8f39-5a2c1b0d9e44';

test('back = SSH up AND a new boot id: sshd answering with the old id is not back yet', async () => {
  const clock = new SteppingClock();
  const port = [false, false, true, true, true];
  const ids = [OLD, NEW];
  const seen: string[] = [];
  const id = await awaitReturn(
    {
      clock,
      host: '10.0.0.5',
      sshPort: 22,
      probe: async () => port.shift() ?? true,
      bootId: async () => {
        const next = ids.shift()!;
        seen.push(next);
        return next;
      },
    },
    OLD,
    600_000,
  );
  assert.equal(id, NEW);
  assert.deepEqual(seen, [OLD, NEW]);
});

test('SSH up but login failing for a while (sshd starting) is waited out', async () => {
  const clock = new SteppingClock();
  let calls = 0;
  const id = await awaitReturn(
    {
      clock,
      host: '10.0.0.5',
      sshPort: 22,
      probe: async () => true,
      bootId: async () => {
        if (++calls < 3) throw new StepFailure('unreachable', 'connection reset');
        return NEW;
      },
    },
    OLD,
    600_000,
  );
  assert.equal(id, NEW);
});

test('a host that never returns is unreachable at the deadline, without sleeping past it', async () => {
  const clock = new SteppingClock();
  const start = clock.now();
  await assert.rejects(
    awaitReturn(
      { clock, host: '10.0.0.5', sshPort: 22, probe: async () => false, bootId: async () => OLD },
      OLD,
      300_000,
    ),
    (e: unknown) =>
      e instanceof StepFailure && e.kind === 'unreachable' && /new boot id within 300 s/.test(e.reason),
  );
  assert.ok(clock.now() - start <= 300_000);
  const stuck = new SteppingClock();
  await assert.rejects(
    awaitReturn(
      { clock: stuck, host: 'h', sshPort: 22, probe: async () => true, bootId: async () => OLD },
      OLD,
      60_000,
    ),
    (e: unknown) => e instanceof StepFailure && e.kind === 'unreachable',
  );
});
