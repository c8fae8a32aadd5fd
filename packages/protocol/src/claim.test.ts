import { generateKeyPairSync, sign, verify, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { claimPayload, parseEd25519HostKey } from './claim';
import { ProtocolError } from './errors';

// A fixed key from `ssh-keygen -t ed25519` (public half only).
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function sshLine(raw: Buffer): string {
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, raw.length]), raw]);
  return `ssh-ed25519 ${blob.toString('base64')}`;
}

describe('claim', () => {
  it('parses an ssh-ed25519 public key into its blob and raw key', () => {
    const { blob, raw } = parseEd25519HostKey(HOST_KEY);
    expect(Buffer.from(blob).toString('base64')).toBe(HOST_KEY.split(' ')[1]);
    expect(raw).toHaveLength(32);
  });

  it.each([
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC',
    'ssh-ed25519',
    'ssh-ed25519 !!!',
    `ssh-ed25519 ${Buffer.from('short').toString('base64')}`,
    `${HOST_KEY} comment`,
    `ssh-ed25519 ${Buffer.concat([Buffer.from(HOST_KEY.split(' ')[1]!, 'base64'), Buffer.from([0])]).toString('base64')}`,
  ])('refuses %s', (text) => {
    expect(() => parseEd25519HostKey(text)).toThrow(ProtocolError);
  });

  it('never throws anything but ProtocolError on arbitrary text (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 80 }), (text, bytes) => {
        for (const candidate of [text, `ssh-ed25519 ${Buffer.from(bytes).toString('base64')}`]) {
          try {
            parseEd25519HostKey(candidate);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a signature over the payload verifies with the parsed key, and not for another nonce or id', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const parsed = parseEd25519HostKey(sshLine(raw));
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(parsed.raw).toString('base64url') }, format: 'jwk' });
    const signature = sign(null, claimPayload('nonce-1', 'my-job'), privateKey);
    expect(verify(null, claimPayload('nonce-1', 'my-job'), key, signature)).toBe(true);
    expect(verify(null, claimPayload('nonce-2', 'my-job'), key, signature)).toBe(false);
    expect(verify(null, claimPayload('nonce-1', 'other'), key, signature)).toBe(false);
    expect(verify(null, claimPayload('nonce-1', undefined), key, signature)).toBe(false);
  });
});
