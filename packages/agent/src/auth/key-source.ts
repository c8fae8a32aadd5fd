// Where authorized keys come from (files, inline text from a CI secret) and the reloadable set the SSH
// server asks at every login. A later source (https://github.com/NAME.keys) plugs in as one more KeySource.
import { readFile } from 'node:fs/promises';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from '../log';
import { type AuthorizedKey, type KeyWarning, parseAuthorizedKeys, type ParsedAuthorizedKeys } from './authorized-keys';

export interface KeySource {
  /** Shown in warnings: the file name, or the env var name. */
  readonly name: string;
  /** Reads and parses the keys now. Rejects when the source cannot be read at all. */
  load(): Promise<ParsedAuthorizedKeys>;
  /** The file to watch for changes, if this source is one. */
  readonly watchPath?: string;
}

export function fileKeySource(path: string): KeySource {
  return {
    name: path,
    watchPath: path,
    load: async () => parseAuthorizedKeys(await readFile(path, 'utf8'), path),
  };
}

export function textKeySource(name: string, text: string): KeySource {
  return { name, load: async () => parseAuthorizedKeys(text, name) };
}

export interface ReloadResult {
  readonly keys: readonly AuthorizedKey[];
  readonly warnings: readonly KeyWarning[];
  /** Sources that could not be read (their keys are dropped). */
  readonly failures: readonly { source: string; error: Error }[];
}

/** The current authorized keys from all sources. Reload swaps the whole set at once. */
export class AuthorizedKeys {
  private current: readonly AuthorizedKey[] = [];
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sources: readonly KeySource[],
    private readonly log: Logger,
  ) {}

  get keys(): readonly AuthorizedKey[] {
    return this.current;
  }

  /** Entries whose key is this wire blob, in source order (one key may appear with different options). */
  match(publicBlob: Buffer): AuthorizedKey[] {
    return this.current.filter((key) => key.publicBlob.equals(publicBlob));
  }

  async reload(): Promise<ReloadResult> {
    const keys: AuthorizedKey[] = [];
    const warnings: KeyWarning[] = [];
    const failures: { source: string; error: Error }[] = [];
    for (const source of this.sources) {
      try {
        const parsed = await source.load();
        keys.push(...parsed.keys);
        warnings.push(...parsed.warnings);
      } catch (error) {
        failures.push({ source: source.name, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    for (const w of warnings) this.log.warn(`authorized keys ${w.source}:${w.line}: ${w.message}; line skipped`);
    this.current = keys;
    return { keys, warnings, failures };
  }

  /** Reloads when a key file changes: an added key can log in at once, a removed one cannot start
   *  new connections (established ones stay, as with OpenSSH). */
  watch(): void {
    const paths = this.sources.flatMap((s) => (s.watchPath ? [s.watchPath] : []));
    if (paths.length === 0 || this.watcher) return;
    this.watcher = watch(paths, { ignoreInitial: true, awaitWriteFinish: false, atomic: true });
    const schedule = (): void => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reloadLogged(), 50);
    };
    this.watcher.on('all', schedule);
    this.watcher.on('error', (error) => this.log.warn(`watching authorized keys: ${String(error)}`));
  }

  private async reloadLogged(): Promise<void> {
    const before = this.current.length;
    const result = await this.reload();
    for (const f of result.failures) this.log.warn(`authorized keys ${f.source}: ${f.error.message}; its keys are no longer accepted`);
    this.log.info(`authorized keys reloaded: ${result.keys.length} key(s) (was ${before})`);
  }

  async close(): Promise<void> {
    clearTimeout(this.reloadTimer);
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }
}
