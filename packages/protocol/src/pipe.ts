// The one pipe: copies bytes both ways between two endpoints with backpressure and a joint close. Used
// by the relay (client <-> data socket) and wsproxy (stdio <-> websocket). Endpoints are small adapters
// (endpoints.ts); nothing here knows what a socket is.

export interface PipeEndpoint {
  /** Sends a chunk; `done` runs once the chunk has left this process's buffers, or failed. */
  send(chunk: Uint8Array, done: (error?: Error) => void): void;
  /** Stop delivering data (the peer is not keeping up). */
  pause(): void;
  resume(): void;
  /** Ends this side because the other side ended. `error` says whether the other side failed. */
  close(error?: Error): void;
  /** Registers the data listener and the end listener; called once by the pipe. */
  start(onData: (chunk: Uint8Array) => void, onEnd: (error?: Error) => void): void;
}

export interface PipeOptions {
  /** Bytes sent but not yet flushed, in one direction, above which the sender is paused. */
  readonly highWaterMark?: number;
  /** ... and below which it is resumed. */
  readonly lowWaterMark?: number;
}

export interface PipeResult {
  /** Which side ended first ('a' or 'b'), and its error if it failed. */
  readonly endedBy: 'a' | 'b' | 'local';
  readonly error?: Error;
  readonly bytesAtoB: number;
  readonly bytesBtoA: number;
}

export interface Pipe {
  readonly bytesAtoB: number;
  readonly bytesBtoA: number;
  /** Bytes in flight from a to b, and from b to a (sent, not yet flushed). Never above high water + one chunk. */
  readonly inFlight: { readonly aToB: number; readonly bToA: number };
  /** Ends both sides from outside (shutdown). */
  close(error?: Error): void;
  /** Resolves once, when both sides have been told to close. */
  readonly closed: Promise<PipeResult>;
}

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_LOW_WATER_MARK = 256 * 1024;

interface Direction {
  inFlight: number;
  bytes: number;
  paused: boolean;
}

export function pipeEndpoints(a: PipeEndpoint, b: PipeEndpoint, options: PipeOptions = {}): Pipe {
  const high = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const low = Math.min(options.lowWaterMark ?? DEFAULT_LOW_WATER_MARK, high);
  const aToB: Direction = { inFlight: 0, bytes: 0, paused: false };
  const bToA: Direction = { inFlight: 0, bytes: 0, paused: false };
  let finished = false;
  let resolveClosed!: (result: PipeResult) => void;
  const closed = new Promise<PipeResult>((resolve) => (resolveClosed = resolve));

  const finish = (endedBy: PipeResult['endedBy'], error?: Error): void => {
    if (finished) return;
    finished = true;
    if (endedBy !== 'a') a.close(error);
    if (endedBy !== 'b') b.close(error);
    resolveClosed({ endedBy, error, bytesAtoB: aToB.bytes, bytesBtoA: bToA.bytes });
  };

  const forward = (from: PipeEndpoint, to: PipeEndpoint, dir: Direction) => (chunk: Uint8Array) => {
    if (finished) return;
    dir.bytes += chunk.byteLength;
    dir.inFlight += chunk.byteLength;
    to.send(chunk, (error) => {
      dir.inFlight -= chunk.byteLength;
      if (error) return finish(to === a ? 'a' : 'b', error);
      if (dir.paused && dir.inFlight <= low && !finished) {
        dir.paused = false;
        from.resume();
      }
    });
    if (!dir.paused && dir.inFlight > high) {
      dir.paused = true;
      from.pause();
    }
  };

  a.start(forward(a, b, aToB), (error) => finish('a', error));
  b.start(forward(b, a, bToA), (error) => finish('b', error));

  return {
    get bytesAtoB() {
      return aToB.bytes;
    },
    get bytesBtoA() {
      return bToA.bytes;
    },
    get inFlight() {
      return { aToB: aToB.inFlight, bToA: bToA.inFlight };
    },
    close: (error?: Error) => finish('local', error),
    closed,
  };
}
