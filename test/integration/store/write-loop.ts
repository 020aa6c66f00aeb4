/** Child process for the state kill -9 test: a store on a data dir, acknowledged writes forever. */
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { writeAndAck } from './ack-writes.js';

const [dataDir, startAt] = process.argv.slice(2);
const store = new StateStore({ dataDir: dataDir!, debounceMs: 2, maxDelayMs: 10, log: memoryLogger() });
await store.start();
process.stdout.write('ready\n');
await writeAndAck(store, Number(startAt));
