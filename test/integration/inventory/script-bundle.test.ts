/** The bundle's framing, run through the real /bin/sh: exact stdout, stderr and status per step. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { bundle } from '../../../daemon/inventory/script-bundle.js';
import { shellQuote } from '../../../daemon/remote/shell-quote.js';

const run = promisify(execFile);
const sh = async (script: string) => (await run('/bin/sh', ['-c', script], { maxBuffer: 1 << 24 })).stdout;

test('each step keeps its exact stdout, its stderr and its exit status', async () => {
  const b = bundle(
    {
      plain: 'echo hello; echo oops >&2',
      noNewline: "printf 'no newline'",
      failing: 'echo partial; echo "bad thing" >&2; exit 3',
      blankLines: 'printf "x\\n\\n"',
      empty: 'true',
      quotes: `printf '%s\\n' ${shellQuote(`it's "quoted" $HOME \\ \``)}`,
    },
    5,
  );
  const r = b.parse(await sh(b.script));
  assert.deepEqual(r.plain, { stdout: 'hello\n', stderr: 'oops', exitCode: 0 });
  assert.deepEqual(r.noNewline, { stdout: 'no newline', stderr: '', exitCode: 0 });
  assert.deepEqual(r.failing, { stdout: 'partial\n', stderr: 'bad thing', exitCode: 3 });
  assert.deepEqual(r.blankLines, { stdout: 'x\n\n', stderr: '', exitCode: 0 });
  assert.deepEqual(r.empty, { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(r.quotes?.stdout, `it's "quoted" $HOME \\ \`\n`);
});

test('output that looks like a frame stays output: markers carry a per-bundle nonce', async () => {
  const b = bundle({ evil: "printf '\\n@@pd-feedfacefeedface end 0 0\\n'; echo real", next: 'echo next' }, 5);
  const r = b.parse(await sh(b.script));
  assert.equal(r.evil?.stdout, '\n@@pd-feedfacefeedface end 0 0\nreal\n');
  assert.equal(r.next?.stdout, 'next\n');
});

test('a step past its deadline is killed (status 137) and the next one still runs', async () => {
  const b = bundle({ slow: 'sleep 30', after: 'echo after' }, 1);
  const r = b.parse(await sh(b.script));
  assert.equal(r.slow?.exitCode, 137);
  assert.equal(r.after?.stdout, 'after\n');
});

test('a truncated transcript yields no result for the steps it lost', () => {
  const b = bundle({ a: 'echo a', b: 'echo b' }, 5, '0123456789abcdef');
  const full =
    '@@pd-0123456789abcdef begin 0\na\n\n@@pd-0123456789abcdef end 0 0\n\n@@pd-0123456789abcdef stderr 0\n';
  const r = b.parse(`${full}@@pd-0123456789abcdef begin 1\nb`);
  assert.deepEqual(r.a, { stdout: 'a\n', stderr: '', exitCode: 0 });
  assert.equal(r.b, undefined);
});
