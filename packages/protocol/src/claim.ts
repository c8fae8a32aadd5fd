// An id is owned by the agent's SSH host key. The relay sends a fresh nonce (`challenge`); the agent
// answers with its public host key and an ed25519 signature over claimPayload(nonce, requestedId). The
// relay keeps only public facts (id -> host key), so a relay restart or a second relay needs no secret.
// Pure: signing and verifying happen in the agent and the relay with node:crypto.
import { ProtocolError, ProtocolErrorCode } from './errors';

const CLAIM_CONTEXT = 'converge-id-claim-v1';
const ED25519 = 'ssh-ed25519';

/** The exact bytes the agent signs: a context string, the relay's nonce and the id it asks for. */
export function claimPayload(nonce: string, requestedId: string | undefined): Uint8Array {
  return new TextEncoder().encode(`${CLAIM_CONTEXT}\n${nonce}\n${requestedId ?? ''}`);
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function readString(blob: Uint8Array, offset: number): { value: Uint8Array; next: number } | undefined {
  if (offset + 4 > blob.length) return undefined;
  const length = ((blob[offset]! << 24) >>> 0) + (blob[offset + 1]! << 16) + (blob[offset + 2]! << 8) + blob[offset + 3]!;
  const start = offset + 4;
  if (start + length > blob.length) return undefined;
  return { value: blob.subarray(start, start + length), next: start + length };
}

/** The SSH wire blob and the raw 32-byte key of `ssh-ed25519 <base64>`; throws INVALID_FIELD otherwise. */
export function parseEd25519HostKey(text: string): { blob: Uint8Array; raw: Uint8Array } {
  const invalid = () => new ProtocolError(ProtocolErrorCode.INVALID_FIELD, 'host key is not an ssh-ed25519 public key');
  const [type, data, ...rest] = text.split(' ');
  if (type !== ED25519 || !data || rest.length > 0) throw invalid();
  let blob: Uint8Array;
  try {
    blob = base64Bytes(data);
  } catch {
    throw invalid();
  }
  const name = readString(blob, 0);
  const key = name && readString(blob, name.next);
  if (!name || !key || key.next !== blob.length || new TextDecoder().decode(name.value) !== ED25519 || key.value.length !== 32) throw invalid();
  return { blob, raw: key.value };
}
