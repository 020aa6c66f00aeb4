/**
 * Child process for the inventory kill -9 test: collects four hosts over and over (through the
 * fake runner: this test is about the files, not SSH) with a growing marker version, updates
 * their credentials, and prints `ack N` only after round N's writes resolved.
 */
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner, ok } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';

const [dir, startAt] = process.argv.slice(2);
const runner = new FakeRunner();
const service = new InventoryService({
  dir: dir!,
  runner,
  parsers: inventoryParsers,
  log: memoryLogger(),
  concurrency: 4,
  connectTimeoutMs: 5_000,
  commandTimeoutMs: 5_000,
  maxOutputBytes: 64 << 20,
  maxPackages: 20_000,
});
await service.start();
const key = await service.keys.get();
const hosts = ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4'];
let round = Number(startAt);
// Big enough that a write takes a while: 3,000 packages, the marker package first.
const listing = () =>
  ok(
    [`ii \tmarker\t1.${round}\tall\tmarker\t1.${round}`]
      .concat(
        Array.from({ length: 3000 }, (_, i) => `ii \tpkg-${i}\t${i}.0-1\tamd64\tsrc-${i % 97}\t${i}.0-1`),
      )
      .join('\n'),
  );
for (const h of hosts)
  runner.add(h, 22, fakeHost({ ...debian, packages: [['dpkg-query', () => listing()]] }, key.privateKey, h));
process.stdout.write('ready\n');
for (; ; round++) {
  await Promise.all(
    hosts.map((h) => service.credentials.put({ address: h, username: 'root', password: `p${round}` })),
  );
  await Promise.all(hosts.map(async (h) => service.collect((await service.credentials.get(h))!)));
  process.stdout.write(`ack ${round}\n`);
}
