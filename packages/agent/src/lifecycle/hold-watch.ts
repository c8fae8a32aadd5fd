// Watches `$agentdir/.hold`: reports whether it exists and its mtime each time that changes. Watches
// the directory (the file may not exist yet) with fs.watch; every event re-reads the file's state.
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HoldState } from './decisions';
import type { Logger } from '../log';

export const HOLD_FILE = '.hold';

export async function readHold(dir: string): Promise<HoldState> {
  try {
    const info = await stat(join(dir, HOLD_FILE));
    return { present: true, mtimeMs: Math.floor(info.mtimeMs) };
  } catch {
    return { present: false };
  }
}

export class HoldWatch {
  private watcher: FSWatcher | undefined;
  private current: HoldState = { present: false };
  private reading: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly onChange: (hold: HoldState) => void,
    private readonly log: Logger,
  ) {}

  /** Reads the initial state (not reported as a change) and starts watching. */
  async start(): Promise<HoldState> {
    this.current = await readHold(this.dir);
    this.watcher = watch(this.dir, { persistent: false }, (_event, name) => {
      if (name === null || name === HOLD_FILE) this.refresh();
    });
    this.watcher.on('error', (error) => this.log.warn(`cannot watch ${this.dir}: ${error.message}`));
    return this.current;
  }

  get state(): HoldState {
    return this.current;
  }

  private refresh(): void {
    // Serialised so a burst of events (create, then attrib) reports states in order.
    this.reading = this.reading.then(async () => {
      const next = await readHold(this.dir);
      if (this.closed || (next.present === this.current.present && next.mtimeMs === this.current.mtimeMs)) return;
      this.current = next;
      this.onChange(next);
    });
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
  }
}
