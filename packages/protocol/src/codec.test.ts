import fc from 'fast-check';
import { decodeMessage, encodeMessage, MAX_CONTROL_MESSAGE_BYTES } from './codec';
import { ProtocolError } from './errors';
import type { ControlMessage } from './messages';

const agent = { hostname: 'ci-7', os: 'linux', arch: 'x64', user: 'runner', cwd: '/w', version: '0.1.0' };
const CONN = 'abcdefghjkmnpqrstvwxyz0123';
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const SIGNATURE = `${'A'.repeat(86)}==`;
const NONCE = 'n'.repeat(43);

const GOLDEN: [ControlMessage, string][] = [
  [
    { type: 'hello', agent, requestedId: 'my-job', hostKey: HOST_KEY, signature: SIGNATURE },
    `{"v":2,"type":"hello","agent":{"hostname":"ci-7","os":"linux","arch":"x64","user":"runner","cwd":"/w","version":"0.1.0"},"requestedId":"my-job","hostKey":"${HOST_KEY}","signature":"${SIGNATURE}"}`,
  ],
  [{ type: 'challenge', nonce: NONCE }, `{"v":2,"type":"challenge","nonce":"${NONCE}"}`],
  [
    { type: 'welcome', id: 'k3v9-x7qd-2mhp-tr8w', idSource: 'generated', heartbeatMs: 20000, requestedId: 'my-job' },
    '{"v":2,"type":"welcome","id":"k3v9-x7qd-2mhp-tr8w","idSource":"generated","heartbeatMs":20000,"requestedId":"my-job"}',
  ],
  [{ type: 'open', connectionId: CONN, clientAddress: '127.0.0.1' }, `{"v":2,"type":"open","connectionId":"${CONN}","clientAddress":"127.0.0.1"}`],
  [{ type: 'open-failed', connectionId: CONN, reason: 'refused' }, `{"v":2,"type":"open-failed","connectionId":"${CONN}","reason":"refused"}`],
  [{ type: 'heartbeat', sentAt: 1700000000000, reply: true }, '{"v":2,"type":"heartbeat","sentAt":1700000000000,"reply":true}'],
  [{ type: 'error', code: 'UNAUTHORIZED', message: 'bad token' }, '{"v":2,"type":"error","code":"UNAUTHORIZED","message":"bad token"}'],
  [
    { type: 'status', jobState: 'failed', jobCommand: 'make test', jobExitCode: 3, expiresAt: 1700000600000, hold: true },
    '{"v":2,"type":"status","jobState":"failed","jobCommand":"make test","jobExitCode":3,"expiresAt":1700000600000,"hold":true}',
  ],
  [{ type: 'session', connectionId: CONN, event: 'opened', kind: 'sftp' }, `{"v":2,"type":"session","connectionId":"${CONN}","event":"opened","kind":"sftp"}`],
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
  return undefined;
}

describe('codec', () => {
  it.each(GOLDEN)('encodes %j to golden JSON and back', (message, json) => {
    expect(encodeMessage(message)).toBe(json);
    expect(decodeMessage(json)).toEqual(message);
    expect(decodeMessage(new TextEncoder().encode(json))).toEqual(message);
  });

  it('field order on the wire does not depend on the object', () => {
    const reordered = { reply: true, sentAt: 5, type: 'heartbeat' } as const;
    expect(encodeMessage(reordered)).toBe('{"v":2,"type":"heartbeat","sentAt":5,"reply":true}');
  });

  it('ignores unknown fields from newer peers', () => {
    expect(decodeMessage('{"v":2,"type":"heartbeat","sentAt":1,"extra":[1,2]}')).toEqual({ type: 'heartbeat', sentAt: 1 });
  });

  it.each([
    ['not json', 'MALFORMED_MESSAGE'],
    ['[1]', 'MALFORMED_MESSAGE'],
    ['null', 'MALFORMED_MESSAGE'],
    ['{"type":"heartbeat","sentAt":1}', 'UNSUPPORTED_VERSION'],
    ['{"v":1,"type":"heartbeat","sentAt":1}', 'UNSUPPORTED_VERSION'],
    ['{"v":3,"type":"heartbeat","sentAt":1}', 'UNSUPPORTED_VERSION'],
    ['{"v":2,"type":"challenge","nonce":"short"}', 'INVALID_FIELD'],
    [`{"v":2,"type":"hello","agent":${JSON.stringify(agent)},"hostKey":"ssh-rsa AAAA","signature":"${SIGNATURE}"}`, 'INVALID_FIELD'],
    [`{"v":2,"type":"hello","agent":${JSON.stringify(agent)},"hostKey":"${HOST_KEY}"}`, 'INVALID_FIELD'],
    ['{"v":2,"type":"teleport"}', 'UNKNOWN_MESSAGE_TYPE'],
    ['{"v":2}', 'UNKNOWN_MESSAGE_TYPE'],
    ['{"v":2,"type":"toString"}', 'UNKNOWN_MESSAGE_TYPE'],
    ['{"v":2,"type":"heartbeat","sentAt":-1}', 'INVALID_FIELD'],
    ['{"v":2,"type":"heartbeat","sentAt":1.5}', 'INVALID_FIELD'],
    ['{"v":2,"type":"open","connectionId":"short"}', 'INVALID_FIELD'],
    ['{"v":2,"type":"hello","agent":{"hostname":"h"}}', 'INVALID_FIELD'],
    ['{"v":2,"type":"hello","agent":[]}', 'INVALID_FIELD'],
    ['{"v":2,"type":"hello","agent":{"hostname":"h","os":"l","arch":"x","user":"u","cwd":"/","version":"1"},"requestedId":"BAD ID"}', 'INVALID_FIELD'],
    ['{"v":2,"type":"welcome","id":"abc","idSource":"stolen","heartbeatMs":1000}', 'INVALID_FIELD'],
    [`{"v":2,"type":"session","connectionId":"${CONN}","event":"hijacked","kind":"shell"}`, 'INVALID_FIELD'],
  ])('refuses %s with %s', (frame, code) => {
    expect(codeOf(() => decodeMessage(frame))).toBe(code);
  });

  it('refuses invalid UTF-8 bytes', () => {
    expect(codeOf(() => decodeMessage(Uint8Array.from([0x7b, 0xff, 0x7d])))).toBe('MALFORMED_MESSAGE');
  });

  it('refuses oversized frames before parsing them, counting UTF-8 bytes', () => {
    const big = `{"v":2,"type":"error","code":"X","message":"${'é'.repeat(MAX_CONTROL_MESSAGE_BYTES / 2)}"}`;
    expect(big.length).toBeLessThan(MAX_CONTROL_MESSAGE_BYTES);
    expect(codeOf(() => decodeMessage(big))).toBe('MESSAGE_TOO_LARGE');
    expect(codeOf(() => decodeMessage('{"v":2}', 3))).toBe('MESSAGE_TOO_LARGE');
  });

  it('will not encode an invalid message', () => {
    expect(codeOf(() => encodeMessage({ type: 'open', connectionId: 'x' }))).toBe('INVALID_FIELD');
    const huge = { type: 'hello', agent: { ...agent, cwd: 'x'.repeat(4096) }, hostKey: HOST_KEY, signature: SIGNATURE, token: 'x'.repeat(4096) } as const;
    expect(codeOf(() => encodeMessage(huge))).toBeUndefined();
  });

  it('never throws anything but ProtocolError on arbitrary bytes or JSON (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...GOLDEN.map(([m]) => m.type)), (value, type) => {
        const frame = JSON.stringify(typeof value === 'object' && value && !Array.isArray(value) ? { ...value, v: 2, type } : value);
        try {
          const decoded = decodeMessage(frame);
          expect(decodeMessage(encodeMessage(decoded))).toEqual(decoded);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every golden message cut at any point into an error, never a crash', () => {
    for (const [, json] of GOLDEN) {
      for (let cut = 0; cut < json.length; cut++) {
        expect(codeOf(() => decodeMessage(json.slice(0, cut)))).toBeDefined();
      }
    }
  });
});
