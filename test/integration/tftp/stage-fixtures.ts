/** Firmware file N of the staging kill -9 test: its bytes (1 MiB, derived from N) and its entry. */
import { createHash } from 'node:crypto';
import type { FirmwareEntry } from '../../../daemon/tftp/firmware.js';

export const firmwareBytes = (n: number): Buffer => {
  const block = createHash('sha256').update(`firmware ${n}`).digest();
  return Buffer.concat(Array.from({ length: 32 * 1024 }, () => block));
};

export const firmwareEntry = (n: number): FirmwareEntry => {
  const body = firmwareBytes(n);
  return {
    name: `fw-${n}.rom`,
    url: `http://vendor.invalid/fw/${n}`,
    sha256: createHash('sha256').update(body).digest('hex'),
    size: body.length,
    vendor: 'Yealink',
    product: 'T46U',
    version: `108.86.0.${n}`,
    feedId: 'vendor-fw',
  };
};
