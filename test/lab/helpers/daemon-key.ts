/** The SSH public key the daemon with this data directory uses for inventory and deployments. */
import { run } from '../../../scripts/lab/netns.js';

export const daemonPublicKey = async (dataDir: string): Promise<string> =>
  (
    await run(process.execPath, [
      '--import',
      'tsx',
      'daemon/main.ts',
      'inventory',
      '--public-key',
      '--data-dir',
      dataDir,
    ])
  ).trim();
