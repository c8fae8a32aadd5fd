import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { ssh2HostKey } from '@converge/testkit';
import fc from 'fast-check';
import { Client, Server } from 'ssh2';
import { HostKeyGate, HostKeyMismatchError, hostKeyBlob } from './host-key-gate';
import { sshFingerprint } from './proxy';

/** The bytes a real ssh2 server sends a client up to and past its key exchange, and its host key blob. */
async function recordServerBytes(): Promise<{ bytes: Buffer; blob: Buffer }> {
  const server = new Server({ hostKeys: [ssh2HostKey()] }, (client) => client.on('error', () => undefined));
  const tcp = createServer((socket) => server.injectSocket(socket));
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const socket: Socket = connect((tcp.address() as AddressInfo).port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const client = new Client();
  let blob: Buffer | undefined;
  const verified = new Promise<void>((resolve) => {
    client.connect({
      sock: socket,
      username: 'x',
      hostVerifier: (key: Buffer) => {
        blob = key;
        resolve();
        return true;
      },
    });
  });
  client.on('error', () => undefined);
  await verified;
  await new Promise((r) => setTimeout(r, 100));
  client.end();
  socket.destroy();
  tcp.close();
  return { bytes: Buffer.concat(chunks), blob: blob! };
}

function feed(gate: HostKeyGate, bytes: Buffer, cuts: number[]): { out: Buffer; error?: Error } {
  const out: Buffer[] = [];
  let at = 0;
  try {
    for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
      out.push(Buffer.from(gate.push(bytes.subarray(at, cut))));
      at = cut;
    }
  } catch (error) {
    return { out: Buffer.concat(out), error: error as Error };
  }
  return { out: Buffer.concat(out) };
}

describe('HostKeyGate', () => {
  let recorded: { bytes: Buffer; blob: Buffer };
  beforeAll(async () => {
    recorded = await recordServerBytes();
  });

  it('passes every byte, in order, however the stream is cut, when the key matches', () => {
    const expected = sshFingerprint(recorded.blob);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: recorded.bytes.length }), { maxLength: 20 }), (cuts) => {
        const gate = new HostKeyGate(expected, sshFingerprint);
        const { out, error } = feed(gate, recorded.bytes, cuts);
        expect(error).toBeUndefined();
        expect(out.equals(recorded.bytes)).toBe(true);
        expect(gate.verified).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses another key before any byte of the key exchange reply reaches ssh', () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const replyAt = recorded.bytes.indexOf(recorded.blob) - 4 - 1 - 5;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: recorded.bytes.length }), { maxLength: 20 }), (cuts) => {
        const { out, error } = feed(new HostKeyGate(wrong, sshFingerprint), recorded.bytes, cuts);
        expect(error).toBeInstanceOf(HostKeyMismatchError);
        expect(error!.message).toContain(sshFingerprint(recorded.blob));
        expect(out.length).toBeLessThanOrEqual(replyAt);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a stream that is not SSH, or encrypts before showing a key', () => {
    const gate = () => new HostKeyGate(`SHA256:${'A'.repeat(43)}`, sshFingerprint);
    expect(() => gate().push(Buffer.alloc(9000, 0x41))).toThrow(HostKeyMismatchError);
    const newKeys = Buffer.from([0, 0, 0, 12, 10, 21, ...Buffer.alloc(10)]);
    expect(() => gate().push(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), newKeys]))).toThrow(/without showing a host key/);
    expect(() => gate().push(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0x7f, 0, 0, 0, 0])]))).toThrow(/malformed/);
  });

  it('never throws anything but HostKeyMismatchError, and never passes unchecked bytes past an ident line (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const input = Buffer.concat([Buffer.from('SSH-2.0-fuzz\r\n'), Buffer.from(bytes)]);
        try {
          const out = new HostKeyGate(`SHA256:${'A'.repeat(43)}`, sshFingerprint).push(input);
          expect(out.length).toBeLessThanOrEqual(input.length);
        } catch (error) {
          expect(error).toBeInstanceOf(HostKeyMismatchError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('does not mistake a DH group exchange GROUP message (also 31) for a host key', () => {
    const prime = Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from([0x00, 0xff, 1, 2, 3, 4, 5, 6, 7])]);
    expect(hostKeyBlob(Buffer.concat([Buffer.from([31]), prime]))).toBeUndefined();
  });
});
