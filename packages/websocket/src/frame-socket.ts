// A websocket after its handshake, read and written frame by frame, for either end: the relay's client
// and data sockets (server end), and the agent's data socket, wsproxy and relay-to-relay links (client
// end). Each payload piece is handed on as it arrives (no message reassembly, no copy) and what is
// given together (one tick; for bulk, one turn of the event loop) leaves as one binary frame, in one
// writev. A client masks with the all-zero key, so no end ever XORs a payload (zeroMask in the protocol
// package says why that is sound).
// Rule: a peer's bytes end at most its own socket (a close with a code), never the process.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { decodeClosePayload, encodeClosePayload, encodeFrameHeader, FrameReader, Opcode, PipeClosedError } from '@converge/protocol';
import { heldUntil, installReads } from './read-arenas';

/** After our close frame, how long the peer has to close its side before the socket is cut. */
const CLOSE_TIMEOUT_MS = 10_000;
const EMPTY = new Uint8Array(0);
/** Largest frame sent: the smallest --max-message-size a relay may be given, so every relay takes it. */
export const MAX_SENT_FRAME_BYTES = 64 * 1024;
/** Bytes pending after a tick from which the flush waits for the rest of the event loop's turn. */
const BULK_BYTES = 16 * 1024;
/** Pongs written and not yet flushed above which a peer that pings without reading is cut (as ws's server does). */
const MAX_PENDING_PONGS = 60;

export interface FrameSocketEvents {
  /** A payload piece of a binary message, valid until the listener returns: forward it, do not keep it (with recycled reads, FrameSocket.send and holdArena keep it whole until sent). */
  data: [payload: Uint8Array];
  pong: [];
  /** Once: the close code the peer sent (1006 if none came), its reason, and the violation if the peer broke the protocol. */
  close: [code: number, reason: string, violation: PipeClosedError | undefined];
}

export interface FrameSocketOptions {
  /** Largest frame payload accepted from the peer (close 1009 above it). */
  readonly maxFrameBytes: number;
  /** Which end of the websocket this is: a server reads masked frames, a client sends masked ones. */
  readonly end: 'server' | 'client';
  /**
   * Read into recycled arenas (read-arenas.ts) where Node allows it. Only for a socket whose 'data'
   * listeners hand each payload to a send that holds its arena until the bytes have left: another
   * FrameSocket's send (the relay's pipes), or a write wrapped with holdArena (wsproxy's output). Any
   * other keeper would see the bytes overwritten.
   */
  readonly recycledReads?: boolean;
}

export class FrameSocket extends EventEmitter<FrameSocketEvents> {
  isPaused = false;
  /** True when this socket reads into recycled arenas. */
  readonly recycledReads: boolean;
  private closeSent = false;
  private received: { code: number; reason: string } | undefined;
  private violation: PipeClosedError | undefined;
  private pending: Uint8Array[] = [];
  private pendingDone: ((error?: Error) => void)[] = [];
  private pendingBytes = 0;
  private closeTimer: NodeJS.Timeout | undefined;
  private pendingPongs = 0;
  private readonly reader: FrameReader;
  private readonly masked: boolean;

  constructor(private readonly socket: Socket, options: FrameSocketOptions) {
    super();
    this.reader = new FrameReader({ maxFrameBytes: options.maxFrameBytes, from: options.end === 'server' ? 'client' : 'server' });
    this.masked = options.end === 'client';
    socket.setNoDelay(true);
    socket.setTimeout(0);
    this.recycledReads = options.recycledReads === true && installReads(socket, (chunk) => this.read(chunk));
    // Node's reads, and with recycled reads what the socket had received before (an unshifted head).
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    // A reset or a half-close from the peer ends the socket; the close code says which (1006: no close frame).
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end());
    socket.once('close', () => {
      clearTimeout(this.closeTimer);
      this.emit('close', this.received?.code ?? 1006, this.received?.reason ?? '', this.violation);
    });
  }

  /** Bytes given to send() that have not yet been taken by the kernel. */
  get bufferedAmount(): number {
    return this.pendingBytes + this.socket.writableLength;
  }

  /** True until a close frame was sent or the socket went away. */
  get open(): boolean {
    return !this.closeSent && !this.socket.destroyed;
  }

  /**
   * Sends `payload` in a binary frame; `done` runs once it has left this process, or failed. What is sent
   * together goes out in one writev, without copying, as one frame (or several when it passes
   * MAX_SENT_FRAME_BYTES): what one tick gives, and when that is bulk, what the whole turn of the event
   * loop gives (see flushSoon).
   */
  send(payload: Uint8Array, done: (error?: Error) => void): void {
    if (!this.open) return done(new PipeClosedError('websocket is not open', 1011));
    if (this.pending.length === 0) process.nextTick(this.flushSoon);
    this.pending.push(payload);
    this.pendingDone.push(heldUntil(payload, done));
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
    this.socket.write(encodeFrameHeader(opcode, payload.length, this.masked));
    this.socket.write(payload, written);
    this.socket.uncork();
  }

  /**
   * A keystroke's few bytes leave at once (after the tick that sent them). Bulk waits for the end of this
   * turn of the event loop (setImmediate), so that every read libuv makes of a socket in one wakeup (up
   * to 32 of 64 KiB while the kernel has data) and every SSH packet ssh2 writes meanwhile leave in one
   * writev. Measured 2026-12-03: waiting always cut the relay's CPU per GiB by 15-23% and the agent's by
   * ~9% over the four bulk paths, but added ~20 us per relay crossing to a one-byte echo; this keeps both.
   * The pipe counts each piece as in flight when it is sent, so its pause holds no more than before.
   */
  private readonly flushSoon = (): void => {
    if (this.pendingBytes >= BULK_BYTES) setImmediate(this.flush);
    else this.flush();
  };

  private readonly flush = (): void => {
    const parts = this.pending;
    const done = this.pendingDone;
    if (parts.length === 0) return;
    this.pending = [];
    this.pendingDone = [];
    let left = this.pendingBytes;
    this.pendingBytes = 0;
    const settle = (error?: Error | null) => {
      for (const callback of done) callback(error ?? undefined);
    };
    if (this.socket.destroyed) return settle(new PipeClosedError('websocket is not open', 1011));
    this.socket.cork();
    if (left === 0) {
      this.socket.write(encodeFrameHeader(Opcode.binary, 0, this.masked));
      this.socket.write(EMPTY, settle);
    }
    // One frame, or several of at most MAX_SENT_FRAME_BYTES; the last write carries the callbacks.
    let roomInFrame = 0;
    for (let part of parts) {
      while (part.length > 0) {
        if (roomInFrame === 0) {
          roomInFrame = Math.min(left, MAX_SENT_FRAME_BYTES);
          this.socket.write(encodeFrameHeader(Opcode.binary, roomInFrame, this.masked));
        }
        const piece = part.length <= roomInFrame ? part : part.subarray(0, roomInFrame);
        part = part.subarray(piece.length);
        roomInFrame -= piece.length;
        left -= piece.length;
        this.socket.write(piece, left === 0 ? settle : undefined);
      }
    }
    this.socket.uncork();
  };
}
