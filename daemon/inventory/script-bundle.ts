/**
 * Several small remote scripts in one exec channel. Every channel costs the host a fork of the
 * login shell (often 50-300 ms with rc files), so the small fact-finding commands travel
 * together; each keeps its own deadline, exit status and stderr. Sections are framed by marker
 * lines carrying a random nonce, so no command output can forge a frame.
 */
import { randomBytes } from 'node:crypto';
import type { ExecResult } from '../remote/ports.js';
import { shellQuote } from '../remote/shell-quote.js';

/** Stderr kept per section: enough for an error message, bounded. */
const STDERR_BYTES = 4096;

export interface Bundle {
  /** The whole shell script to run (POSIX sh). */
  script: string;
  /** Split the bundle's stdout back into one result per step; undefined for a missing step. */
  parse(stdout: string): Record<string, ExecResult | undefined>;
}

/** `steps`: name -> POSIX sh script. `seconds`: each step's own deadline on the host. */
export const bundle = (
  steps: Record<string, string>,
  seconds: number,
  nonce = randomBytes(8).toString('hex'),
): Bundle => {
  const mark = `@@pd-${nonce}`;
  const deadline = Math.max(1, Math.ceil(seconds));
  const names = Object.keys(steps);
  const lines = [
    // The step's stdout goes straight out (fd 3); its stderr is captured to print after it.
    `run_() { if command -v timeout >/dev/null 2>&1; then timeout -s KILL ${deadline} /bin/sh -c "$1"; else /bin/sh -c "$1"; fi; }`,
    ...names.map((name, i) =>
      [
        `printf '%s begin ${i}\\n' ${shellQuote(mark)}`,
        `{ e_=$( { run_ ${shellQuote(steps[name]!)}; } 2>&1 1>&3 ); rc_=$?; } 3>&1`,
        `printf '\\n%s end ${i} %s\\n' ${shellQuote(mark)} "$rc_"`,
        `printf '%s' "$e_" | head -c ${STDERR_BYTES}`,
        `printf '\\n%s stderr ${i}\\n' ${shellQuote(mark)}`,
      ].join('; '),
    ),
  ];
  return {
    script: lines.join('\n'),
    parse(stdout) {
      const out: Record<string, ExecResult | undefined> = {};
      names.forEach((name, i) => {
        const begin = `${mark} begin ${i}\n`;
        const start = stdout.indexOf(begin);
        if (start === -1) return;
        const bodyAt = start + begin.length;
        const endRe = new RegExp(`\\n${mark} end ${i} (\\d+)\\n`, 'g');
        endRe.lastIndex = bodyAt;
        const end = endRe.exec(stdout);
        if (!end) return;
        const errAt = end.index + end[0].length;
        const errEnd = stdout.indexOf(`\n${mark} stderr ${i}\n`, errAt);
        if (errEnd === -1) return;
        // The shell prints exit statuses above 128 for signals (timeout -s KILL gives 137).
        const rc = Number(end[1]);
        out[name] = {
          stdout: stdout.slice(bodyAt, end.index),
          stderr: stdout.slice(errAt, errEnd),
          exitCode: rc,
        };
      });
      return out;
    },
  };
};
