// A client or data websocket after its 101, read and written frame by frame: the relay hands each payload
// piece on as it arrives (no message reassembly, no copy) and writes what it is given in one tick as one
// binary frame, in one writev. ws stays for the control sockets, whose messages are parsed.
// Rule: a peer's bytes end at most its own socket (a close with a code), never the relay.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { decodeClosePayload, encodeClosePayload, encodeFrameHeader, FrameReader, Opcode, PipeClosedError } from '@converge/protocol';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** After our close frame, how long the peer has to close its side before the socket is cut. */
const CLOSE_TIMEOUT_MS = 10_000;
const EMPTY = new Uint8Array(0);
/** Pongs written and not yet flushed above which a peer that pings without reading is cut (as ws's server does). */
const MAX_PENDING_PONGS = 60;

export interface FrameSocketEvents {
  /** A payload piece of a binary message, valid until the listener returns (forward it, do not keep it). */
  data: [payload: Uint8Array];
  pong: [];
  /** Once: the close code the peer sent (1006 if none came), its reason, and the violation if the peer broke the protocol. */
  close: [code: number, reason: string, violation: PipeClosedError | undefined];
}

export class FrameSocket extends EventEmitter<FrameSocketEvents> {
  isPaused = false;
  private closeSent = false;
  private received: { code: number; reason: string } | undefined;
  private violation: PipeClosedError | undefined;
  private pending: Uint8Array[] = [];
  private pendingDone: ((error?: Error) => void)[] = [];
  private pendingBytes = 0;
  private closeTimer: NodeJS.Timeout | undefined;
  private pendingPongs = 0;
  private readonly reader: FrameReader;

  constructor(private readonly socket: Socket, maxFrameBytes: number) {
    super();
    this.reader = new FrameReader({ maxFrameBytes, requireMask: true });
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    // A reset or a half-close from the peer ends the socket; the close code says which (1006: no close frame).
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end());
    socket.once('close', () => {
      clearTimeout(this.closeTimer);
      this.emit('close', this.received?.code ?? 1006, this.received?.reason ?? '', this.violation);
    });
  }

  /** True until a close frame was sent or the socket went away. */
  get open(): boolean {
    return !this.closeSent && !this.socket.destroyed;
  }

  /**
   * Sends `payload` in a binary frame; `done` runs once it has left this process, or failed. What is sent
   * in one tick (the pieces of one read) goes out as one frame in one writev, without copying.
   */
  send(payload: Uint8Array, done: (error?: Error) => void): void {
    if (!this.open) return done(new PipeClosedError('websocket is not open', 1011));
    if (this.pending.length === 0) process.nextTick(this.flush);
    this.pending.push(payload);
    this.pendingDone.push(done);
    this.pendingBytes += payload.length;
  }

  ping(): void {
    if (this.open) this.writeControl(Opcode.ping, EMPTY);
  }

  pause(): void {
    this.isPaused = true;
    this.socket.pause();
  }

  resume(): void {
    this.isPaused = false;
    this.socket.resume();
  }

  /** Sends a close frame and ends our side; the socket is cut if the peer does not close its side in time. */
  close(code: number, reason = ''): void {
    if (!this.open) return;
    this.flush();
    this.writeControl(Opcode.close, code === 1005 ? EMPTY : encodeClosePayload(code, reason));
    this.closeSent = true;
    this.socket.end();
    // Read on (and drop data) so the peer's close frame and its end arrive even if the pipe had paused us.
    this.socket.resume();
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
    this.closeTimer.unref();
  }

  /** Cuts the connection without a close frame (a peer that stopped reading would never take one). */
  terminate(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      if (event.kind === 'data') {
        if (!this.closeSent) this.emit('data', event.payload);
      } else if (event.kind === 'error') {
        this.violation = new PipeClosedError(event.reason, event.closeCode);
        this.close(event.closeCode, event.reason);
      } else if (event.opcode === Opcode.ping) {
        if (!this.open) continue;
        if (this.pendingPongs >= MAX_PENDING_PONGS) {
          this.violation = new PipeClosedError('pings faster than it reads the pongs', 1008);
          return this.terminate();
        }
        this.pendingPongs++;
        this.writeControl(Opcode.pong, event.payload, () => this.pendingPongs--);
      } else if (event.opcode === Opcode.pong) {
        this.emit('pong');
      } else {
        const close = decodeClosePayload(event.payload);
        if (!close) {
          this.violation = new PipeClosedError('invalid close frame', 1002);
          return this.close(1002, 'invalid close frame');
        }
        this.received = close;
        this.close(close.code, close.reason);
      }
    }
  }

  private writeControl(opcode: number, payload: Uint8Array, written?: () => void): void {
    this.socket.cork();
    this.socket.write(encodeFrameHeader(opcode, payload.length));
    this.socket.write(payload, written);
    this.socket.uncork();
  }

  private readonly flush = (): void => {
    const parts = this.pending;
    const done = this.pendingDone;
    if (parts.length === 0) return;
    this.pending = [];
    this.pendingDone = [];
    const bytes = this.pendingBytes;
    this.pendingBytes = 0;
    const settle = (error?: Error | null) => {
      for (const callback of done) callback(error ?? undefined);
    };
    if (this.socket.destroyed) return settle(new PipeClosedError('websocket is not open', 1011));
    this.socket.cork();
    this.socket.write(encodeFrameHeader(Opcode.binary, bytes));
    for (let i = 0; i < parts.length - 1; i++) this.socket.write(parts[i]!);
    this.socket.write(parts[parts.length - 1]!, settle);
    this.socket.uncork();
  };
}

/**
 * Completes a websocket upgrade already checked by isWebSocketUpgrade (method, Upgrade header, key,
 * version 13): no subprotocol and no extension are agreed. Undefined when the socket is already gone.
 */
export function acceptFrameSocket(request: IncomingMessage, socket: Duplex, head: Buffer, maxFrameBytes: number): FrameSocket | undefined {
  if (!socket.readable || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const key = String(request.headers['sec-websocket-key']);
  const accept = createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const frames = new FrameSocket(socket as Socket, maxFrameBytes);
  if (head.length > 0) socket.unshift(head);
  return frames;
}
