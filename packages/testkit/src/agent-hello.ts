// The agent's side of the handshake, for relay tests that script an agent over a real
// websocket. Waits for the relay's challenge and answers with a hello signed by an ed25519 host key.
import { once } from 'node:events';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { claimPayload, decodeMessage, encodeMessage, type ControlMessage, type HelloMessage } from '@converge/protocol';
import type WebSocket from 'ws';

export interface TestHostKey {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

export function testHostKey(): TestHostKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, raw.length]), raw]);
  return { publicKey: `ssh-ed25519 ${blob.toString('base64')}`, privateKey };
}

export const TEST_AGENT_INFO = { hostname: 'ci-host', os: 'linux', arch: 'x64', user: 'runner', cwd: '/work', version: 'test' };

/** A hello for `nonce`, signed by `key` (a fresh key by default). */
export function signedHello(nonce: string, extra: Partial<HelloMessage> = {}, key: TestHostKey = testHostKey()): HelloMessage {
  const signature = sign(null, claimPayload(nonce, extra.requestedId), key.privateKey).toString('base64');
  return { type: 'hello', agent: TEST_AGENT_INFO, hostKey: key.publicKey, signature, ...extra };
}

/** Reads the challenge the relay sends first on an open control socket. */
export async function readChallenge(ws: WebSocket): Promise<string> {
  const [data] = await once(ws, 'message');
  const message = decodeMessage(data as Buffer);
  if (message.type !== 'challenge') throw new Error(`expected a challenge, got ${message.type}`);
  return message.nonce;
}

/** Opens no socket: answers the challenge on `ws` and returns the relay's reply (welcome or error). */
export async function handshake(ws: WebSocket, extra: Partial<HelloMessage> = {}, key?: TestHostKey): Promise<ControlMessage> {
  const nonce = await readChallenge(ws);
  ws.send(encodeMessage(signedHello(nonce, extra, key)));
  const [data] = await once(ws, 'message');
  return decodeMessage(data as Buffer);
}
