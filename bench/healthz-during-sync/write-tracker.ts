/**
 * Write the bench's tracker JSON to FILE (in its own process, so the measuring process does not
 * carry the generator's garbage into its measurements).
 *   node --import tsx write-tracker.ts FILE CVES
 */
import { writeFileSync } from 'node:fs';
import { realPackages, trackerJson } from '../assess/generate.js';

const [file, cves] = process.argv.slice(2);
if (!file || !cves) throw new Error('usage: write-tracker.ts FILE CVES');
writeFileSync(file, trackerJson(realPackages(), Number(cves)));
