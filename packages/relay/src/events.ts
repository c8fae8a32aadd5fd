// Server-sent events for the live sessions page: every viewer gets the snapshot at once, then again
// at most once a second and only when it changed, plus a comment every 15 s to keep proxies open.
import type { ServerResponse } from 'node:http';

const TICK_MS = 1000;
const KEEPALIVE_MS = 15_000;

export class SnapshotEvents {
  private readonly viewers = new Set<ServerResponse>();
  private last = '';
  private timer: NodeJS.Timeout | undefined;
  private lastKeepalive = Date.now();

  /** `render` builds the snapshot; its `generatedAt` changes every time, so it is left out of the comparison. */
  constructor(private readonly render: () => { readonly generatedAt?: string }) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  subscribe(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const snapshot = this.render();
    this.last = comparable(snapshot);
    response.write(`retry: 2000\ndata: ${JSON.stringify(snapshot)}\n\n`);
    this.viewers.add(response);
    response.once('close', () => {
      this.viewers.delete(response);
      if (this.viewers.size === 0) this.stopTimer();
    });
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  close(): void {
    this.stopTimer();
    for (const viewer of this.viewers) viewer.end();
    this.viewers.clear();
  }

  private tick(): void {
    const now = Date.now();
    const snapshot = this.render();
    const next = comparable(snapshot);
    if (next !== this.last) {
      this.last = next;
      const data = JSON.stringify(snapshot);
      for (const viewer of this.viewers) viewer.write(`data: ${data}\n\n`);
    } else if (now - this.lastKeepalive > KEEPALIVE_MS) {
      this.lastKeepalive = now;
      for (const viewer of this.viewers) viewer.write(': keepalive\n\n');
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function comparable(snapshot: { readonly generatedAt?: string }): string {
  return JSON.stringify({ ...snapshot, generatedAt: undefined });
}
