// A websocket client written on a bare TCP socket, for attacks the `ws` library would not send: several
// frames in one write, frames before reading the reply. Server frames (unmasked) are parsed as they come.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

export interface RawSocket {
  readonly socket: Socket;
  /** Server frames received so far (after the 101). */
  readonly frames: RawFrame[];
  /** Resolves when the server closed the TCP connection. */
  readonly closed: Promise<void>;
  next(predicate: (frame: RawFrame) => boolean, timeoutMs?: number): Promise<RawFrame>;
}

/** A masked client frame (RFC 6455 5.2): FIN set, `opcode`, 32-bit mask. */
export function clientFrame(payload: Buffer | string, opcode = 0x1): Buffer {
  const data = Buffer.from(payload);
  const mask = randomBytes(4);
  const head =
    data.length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | data.length])
      : data.length < 65536
        ? Buffer.from([0x80 | opcode, 0x80 | 126, data.length >> 8, data.length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(data.length)); return b; })()]);
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, masked]);
}

/** Upgrades `path` on 127.0.0.1:`port`; resolves once the 101 arrived (rejects on another status). */
export function rawWebSocket(port: number, path: string, headers: Record<string, string> = {}): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const frames: RawFrame[] = [];
    const waiters = new Set<() => void>();
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    );
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
        upgraded = true;
        resolve(raw);
      }
      for (;;) {
        if (buffer.length < 2) break;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) break;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) break;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) break;
        frames.push({ opcode: buffer[0]! & 0x0f, payload: Buffer.from(buffer.subarray(offset, offset + length)) });
        buffer = buffer.subarray(offset + length);
      }
      for (const wake of [...waiters]) wake();
    });
    const raw: RawSocket = {
      socket,
      frames,
      closed,
      next(predicate, timeoutMs = 10_000) {
        return new Promise((res, rej) => {
          const check = (): void => {
            const found = frames.find(predicate);
            if (!found) return;
            waiters.delete(check);
            clearTimeout(timer);
            res(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            rej(new Error('timed out waiting for a frame'));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
    };
  });
}
