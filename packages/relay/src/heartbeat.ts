// Liveness of every websocket the relay holds: one timer pings them all; a socket that did not answer
// the previous ping is terminated. A socket paused by backpressure is not judged: it reads nothing,
// pongs included, and is stalled, not dead.

/** What the heartbeat needs of a socket: a ws WebSocket (control sockets) or a FrameSocket (data path). */
export interface Beating {
  readonly isPaused: boolean;
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

export class Heartbeat {
  private readonly answered = new Map<Beating, boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number, private readonly onDead: (ws: Beating) => void = () => undefined) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  track(ws: Beating): void {
    this.answered.set(ws, true);
    ws.on('pong', () => this.answered.set(ws, true));
    ws.once('close', () => this.answered.delete(ws));
  }

  get size(): number {
    return this.answered.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    for (const [ws, answered] of this.answered) {
      if (ws.isPaused) continue;
      if (!answered) {
        this.answered.delete(ws);
        this.onDead(ws);
        ws.terminate();
        continue;
      }
      this.answered.set(ws, false);
      ws.ping();
    }
  }
}
