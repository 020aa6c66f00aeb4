/**
 * Child process for the inventory kill -9 test: the daemon's job runner and inventory service
 * (over the fake SSH runner: this test is about the job, not SSH) collect one host whose package
 * listing never answers. `ack 1` is printed once the collection job is running on the host.
 */
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { JobRunner } from '../../../daemon/jobs/job-runner.js';
import { systemClock } from '../../../daemon/lifecycle.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { waitFor } from '../../support/wait-for.js';

const [dir] = process.argv.slice(2);
const log = memoryLogger();
const jobs = new JobRunner({ dir: `${dir}/jobs`, clock: systemClock, log, concurrency: 2, keepFinished: 10 });
const runner = new FakeRunner();
const service = new InventoryService({
  dir: `${dir}/inventory`,
  runner,
  parsers: inventoryParsers,
  log,
  concurrency: 2,
  connectTimeoutMs: 60_000,
  commandTimeoutMs: 600_000,
  maxOutputBytes: 1 << 20,
  maxPackages: 20_000,
  jobs,
});
await jobs.start();
await service.start();
const key = await service.keys.get();
runner.add('10.9.0.1', 22, fakeHost({ ...debian, packages: [['dpkg-query', 'hang']] }, key.privateKey, 'h1'));
await service.credentials.put({ address: '10.9.0.1', username: 'root' });
await service.startRun();
await waitFor(
  () => runner.commands.some((c) => c.command.includes('dpkg-query')),
  'the package listing to start',
);
process.stdout.write('ack 1\n');
