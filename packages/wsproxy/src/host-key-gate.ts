// Pins the agent's host key from inside the ProxyCommand. The server's SSH identification line and its
// first key exchange travel in clear (RFC 4253 7): the KEX reply carries the server's host key blob.
// The gate passes the agent's bytes on to ssh packet by packet, and only once the host key's SHA256
// fingerprint equals the expected one; a different key ends the connection before ssh sees it. ssh
// itself then checks the key's signature over the exchange, so a relay cannot replay a genuine key.
// Pure parsing: the fingerprint function is passed in.

/** RFC 4253: an identification line is at most 255 bytes; lines before it are allowed (keep a bound). */
const MAX_PREAMBLE_BYTES = 8192;
/** Cleartext packets before NEWKEYS are small; anything larger is not SSH. */
const MAX_PACKET_BYTES = 256 * 1024;
const MSG = { newKeys: 21, kexReply: 31, gexReply: 33 } as const;

export class HostKeyMismatchError extends Error {
  override readonly name = 'HostKeyMismatchError';
  constructor(message: string, readonly seen?: string) {
    super(message);
  }
}

export type Fingerprint = (blob: Uint8Array) => string;

export class HostKeyGate {
  private buffer: Uint8Array = new Uint8Array(0);
  /** Before the identification line ("SSH-2.0-..."); then binary packets until the key was seen. */
  private preamble = true;
  /** The fingerprint that was seen and matched, once it was. */
  verified: string | undefined;

  constructor(private readonly expected: string, private readonly fingerprint: Fingerprint) {}

  /** Takes bytes from the agent; returns those that may go to ssh now. Throws HostKeyMismatchError. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.verified !== undefined) return chunk;
    this.buffer = concat(this.buffer, chunk);
    let released = 0;
    while (this.verified === undefined) {
      const end = this.preamble ? this.lineEnd(released) : this.packetEnd(released);
      if (end === undefined) break;
      released = end;
    }
    // Once verified, what follows the reply is passed on unread (it is encrypted soon anyway).
    if (this.verified !== undefined) released = this.buffer.length;
    const out = this.buffer.subarray(0, released);
    this.buffer = this.buffer.slice(released);
    return out;
  }

  /** Ends the preamble line starting at `start`; undefined when it is not complete yet. */
  private lineEnd(start: number): number | undefined {
    const newline = this.buffer.indexOf(0x0a, start);
    if (newline < 0) {
      if (this.buffer.length > MAX_PREAMBLE_BYTES) throw new HostKeyMismatchError('the agent did not speak SSH (no identification line)');
      return undefined;
    }
    if (startsWith(this.buffer, start, 'SSH-')) this.preamble = false;
    return newline + 1;
  }

  /** Checks the packet starting at `start`; undefined when it is not complete yet. */
  private packetEnd(start: number): number | undefined {
    if (this.buffer.length < start + 5) return undefined;
    const length = readUint32(this.buffer, start);
    if (length < 5 || length > MAX_PACKET_BYTES) throw new HostKeyMismatchError('the agent sent a malformed SSH packet before its host key');
    const end = start + 4 + length;
    if (this.buffer.length < end) return undefined;
    const padding = this.buffer[start + 4]!;
    const payload = this.buffer.subarray(start + 5, end - padding);
    const type = payload[0];
    if (type === MSG.newKeys) throw new HostKeyMismatchError('the agent switched to encryption without showing a host key');
    if (type === MSG.kexReply || type === MSG.gexReply) {
      const blob = hostKeyBlob(payload);
      if (blob) {
        const seen = this.fingerprint(blob);
        if (seen !== this.expected) throw new HostKeyMismatchError(`the agent's host key is ${seen}, not the expected ${this.expected}`, seen);
        this.verified = seen;
      }
    }
    return end;
  }
}

/** The host key blob that starts a KEX reply: string K_S whose first field names a key type. A DH group
 *  exchange's GROUP message (also number 31) starts with a prime instead, and yields undefined. */
export function hostKeyBlob(payload: Uint8Array): Uint8Array | undefined {
  if (payload.length < 5) return undefined;
  const length = readUint32(payload, 1);
  if (5 + length > payload.length || length < 8) return undefined;
  const blob = payload.subarray(5, 5 + length);
  const nameLength = readUint32(blob, 0);
  if (nameLength < 3 || nameLength > 64 || 4 + nameLength > blob.length) return undefined;
  const name = new TextDecoder().decode(blob.subarray(4, 4 + nameLength));
  return /^(ssh-|ecdsa-sha2-|sk-)[a-z0-9@.-]+$/.test(name) ? blob : undefined;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

function startsWith(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
