/**
 * Run inside the lab's appliance namespace: wake one host with the real WolSender (the
 * namespace's own interfaces, a real UDP broadcast, real TCP connects) and print the outcome as
 * one JSON line. Argument: JSON {mac, address, secureOn?, include: string[], deadlineMs}.
 */
import { netPortProbe } from '../../../daemon/deploy/host-return.js';
import { StepFailure } from '../../../daemon/deploy/ports.js';
import { udpBroadcast, WolSender } from '../../../daemon/deploy/wol.js';
import { OsInterfaces } from '../../../daemon/discovery/local-interfaces.js';
import { systemClock } from '../../../daemon/lifecycle.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  mac: string;
  address: string;
  secureOn?: string;
  include: string[];
  deadlineMs: number;
};
const wol = new WolSender({
  interfaces: new OsInterfaces(),
  scopes: () => [{ include: args.include, exclude: [] }],
  send: udpBroadcast,
  probe: netPortProbe,
  clock: systemClock,
  deadlineMs: args.deadlineMs,
  backoff: { firstMs: 100, maxMs: 1000 },
});
try {
  await wol.wake(args);
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  const kind = err instanceof StepFailure ? err.kind : 'error';
  console.log(JSON.stringify({ ok: false, kind, reason: (err as Error).message }));
}
