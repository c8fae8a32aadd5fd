// Server-sent events for the live sessions page: every viewer gets the snapshot at once, then again
// at most once a second and only when it changed, plus a comment every 15 s to keep proxies open.
// Bounded: a few streams per address, a cap in all, and a viewer whose unsent bytes pile up past
// maxBufferedBytes (it stopped reading) is dropped instead of growing the relay's memory.
import type { ServerResponse } from 'node:http';

export interface SnapshotEventsOptions {
  readonly tickMs?: number;
  readonly keepaliveMs?: number;
  readonly maxPerAddress?: number;
  readonly maxViewers?: number;
  readonly maxBufferedBytes?: number;
}

const DEFAULTS = { tickMs: 1000, keepaliveMs: 15_000, maxPerAddress: 4, maxViewers: 256, maxBufferedBytes: 256 * 1024 } as const;

export class SnapshotEvents {
  private readonly viewers = new Map<ServerResponse, string>();
  private readonly perAddress = new Map<string, number>();
  private readonly options: Required<SnapshotEventsOptions>;
  private last = '';
  private timer: NodeJS.Timeout | undefined;
  private lastKeepalive = Date.now();
  /** Viewers dropped for not reading, since start. */
  dropped = 0;

  /** `render` builds the snapshot; its `generatedAt` changes every time, so it is left out of the comparison. */
  constructor(private readonly render: () => { readonly generatedAt?: string }, options: SnapshotEventsOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Starts a stream on `response`; false (nothing written) when the address or the relay has too many. */
  subscribe(response: ServerResponse, address: string): boolean {
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.options.maxPerAddress || this.viewers.size >= this.options.maxViewers) return false;
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const snapshot = this.render();
    this.last = comparable(snapshot);
    this.viewers.set(response, address);
    this.perAddress.set(address, mine + 1);
    response.once('close', () => this.forget(response));
    this.send(response, `retry: 2000\ndata: ${JSON.stringify(snapshot)}\n\n`);
    this.timer ??= setInterval(() => this.tick(), this.options.tickMs);
    return true;
  }

  close(): void {
    this.stopTimer();
    for (const viewer of this.viewers.keys()) viewer.end();
    this.viewers.clear();
    this.perAddress.clear();
  }

  private forget(response: ServerResponse): void {
    const address = this.viewers.get(response);
    if (address === undefined) return;
    this.viewers.delete(response);
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
    if (this.viewers.size === 0) this.stopTimer();
  }

  private send(viewer: ServerResponse, text: string): void {
    if (viewer.writableLength > this.options.maxBufferedBytes) {
      this.dropped++;
      this.forget(viewer);
      viewer.destroy();
      return;
    }
    viewer.write(text);
  }

  private tick(): void {
    const now = Date.now();
    const snapshot = this.render();
    const next = comparable(snapshot);
    if (next !== this.last) {
      this.last = next;
      const data = `data: ${JSON.stringify(snapshot)}\n\n`;
      for (const viewer of [...this.viewers.keys()]) this.send(viewer, data);
    } else if (now - this.lastKeepalive > this.options.keepaliveMs) {
      this.lastKeepalive = now;
      for (const viewer of [...this.viewers.keys()]) this.send(viewer, ': keepalive\n\n');
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
