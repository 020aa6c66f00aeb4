import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateHttpInputs, type HttpFuzzOptions } from '../../support/http-fuzz.js';
import { SHAPES } from '../../support/http-fuzz-shapes.js';

const options: HttpFuzzOptions = {
  hosts: ['127.0.0.1:1', 'localhost:2'],
  foreignHosts: ['127.0.0.2:3', '[::1]:4'],
  paths: ['/a', '/b/c'],
};
const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('latin1');

test('a seed replays the same inputs; another seed gives others', () => {
  const a = [...generateHttpInputs(42, 300, options)];
  assert.deepEqual(a, [...generateHttpInputs(42, 300, options)]);
  assert.notDeepEqual(a, [...generateHttpInputs(43, 300, options)]);
  assert.deepEqual(
    a.map((i) => i.id),
    a.map((_, n) => n),
  );
});

test('every shape and every way of leaving a connection comes up', () => {
  const inputs = [...generateHttpInputs(7, 1600, options)];
  assert.deepEqual(new Set(inputs.map((i) => i.kind)), new Set(Object.keys(SHAPES)));
  assert.deepEqual(
    new Set(inputs.map((i) => i.after)),
    new Set(['end', 'end-unread', 'read', 'drop', 'abandon', 'reset']),
  );
  assert.ok(
    inputs.some((i) => i.after === 'reset' && i.resetAfterBytes! > 0),
    'a reset mid-answer',
  );
  const all = inputs.map((i) => text(i.chunks)).join('\n\n');
  const expected: Record<string, RegExp> = {
    'CL+TE': /Content-Length: 4\r\nTransfer-Encoding: chunked\r\n/,
    'double CL': /Content-Length: 5\r\nContent-Length: 40\r\n/,
    'obs-fold': /\r\n Transfer-Encoding: chunked\r\n/,
    CONNECT: /^CONNECT \S+ HTTP\/1\.1\r\n/m,
    'absolute-form': /^GET http:\/\/127\.0\.0\.1:1\/\S* HTTP\/1\.1/m,
    'encoded slash': /^GET \S*%2f\S* HTTP\/1\.1/im,
    'header flood': /X-F4999: /,
    'huge cookie': /^Cookie: pd_session=\S{4000}/m,
    'bad Host': /^Host: 127\.0\.0\.1:1@127\.0\.0\.2:3\r\n/m,
    'bad CSRF': /^POST \S+ HTTP\/1\.1\r\n(?:.*\r\n)*Content-Type: application\/x-www-form-urlencoded\r\n/m,
    'broken request line': /^GET \S+ HTTP\/9\.9/m,
  };
  for (const [shape, pattern] of Object.entries(expected)) assert.match(all, pattern, shape);
  assert.ok(
    inputs.some((i) => i.kind === 'fragmented' && i.chunks.length > 10),
    'a request written a few bytes at a time',
  );
});

test('every host a listener could connect onwards to is one the test gave', () => {
  const names = [...options.hosts, ...options.foreignHosts].map((h) => h.replace(/:\d+$/, ''));
  const ours = (authority: string): boolean => {
    const bare = authority.slice(authority.lastIndexOf('@') + 1).replace(/^\[(?!:)/, '');
    return bare === '' || bare === '*' || names.some((n) => bare.startsWith(n));
  };
  for (const input of generateHttpInputs(3, 3_000, options)) {
    // Random and mutated bytes name no host; a truncated request never ends its head, so none is acted on.
    if (['randomBytes', 'mutated', 'truncated'].includes(input.kind)) continue;
    const request = text(input.chunks);
    const authorities = [
      ...[...request.matchAll(/^[A-Z-]+ +[a-z]+:\/\/([^/\s?#]*)/gim)].map((m) => m[1]!),
      ...[...request.matchAll(/^CONNECT (\S*)/gm)].map((m) => m[1]!),
      ...[...request.matchAll(/^Host:[ \t]*([^\r\n]*)/gm)].map((m) => m[1]!),
    ];
    for (const authority of authorities)
      assert.ok(ours(authority), `#${input.id} ${input.kind}: ${authority}`);
  }
});

test('cookies and methods given for a listener are used; inputs are made as they are asked for', () => {
  const given = { ...options, cookies: ['pd_session=s3ssion'], methods: ['PROPFIND'] };
  const all = [...generateHttpInputs(5, 400, given)].map((i) => text(i.chunks)).join('\n');
  assert.match(all, /^Cookie: pd_session=s3ssion\r\n/m);
  assert.match(all, /^PROPFIND /m);
  const endless = generateHttpInputs(1, Number.MAX_SAFE_INTEGER, options);
  assert.equal(endless.next().value?.id, 0);
});
