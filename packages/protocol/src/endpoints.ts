// The stream adapter to PipeEndpoint (a readable/writable stream pair), and the close rules every
// websocket endpoint follows (@converge/websocket's frameSocketEndpoint). Structural: this package
// imports no IO module, callers pass their objects in.
import type { PipeEndpoint } from './pipe';
import { isSendableCloseCode } from './ws-frames';

/** An error that ends a pipe and says which websocket close code the other side should get. */
export class PipeClosedError extends Error {
  override readonly name = 'PipeClosedError';
  constructor(
    message: string,
    readonly closeCode: number,
  ) {
    super(message);
  }
}

const NORMAL_CLOSE_CODES = new Set([1000, 1001, 1005]);

/** The close code that tells the other side why its pipe ended: the error's own, or 1011. */
export function closeCodeOf(error: Error | undefined): number {
  const code = (error as { closeCode?: unknown } | undefined)?.closeCode;
  if (error === undefined) return 1000;
  return typeof code === 'number' && isSendableCloseCode(code) ? code : 1011;
}

/** How a websocket close ends a pipe: quietly for a normal close, else with the peer's code (1006, no close frame: 1011). */
export function closeError(code: number, reason: string): PipeClosedError | undefined {
  if (NORMAL_CLOSE_CODES.has(code)) return undefined;
  return new PipeClosedError(reason || `websocket closed with code ${code}`, code === 1006 ? 1011 : code);
}

/** The part of Node streams the pipe uses (process.stdin / process.stdout, a net.Socket). */
export interface ReadableLike {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}
export interface WritableLike {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  end(): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A readable and a writable stream as one endpoint (stdin and stdout, or both sides of a socket). */
export function streamEndpoint(readable: ReadableLike, writable: WritableLike): PipeEndpoint {
  return {
    send: (chunk, done) => void writable.write(chunk, (error) => done(error ?? undefined)),
    pause: () => void readable.pause(),
    resume: () => void readable.resume(),
    close() {
      writable.end();
      readable.destroy();
    },
    start(onData, onEnd) {
      readable.on('data', onData);
      readable.on('end', () => onEnd());
      readable.on('error', (error) => onEnd(error));
      writable.on('error', (error) => onEnd(error));
    },
  };
}
