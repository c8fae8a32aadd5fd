// The table of open file and directory handles of one SFTP session: opaque 4-byte ids, a limit, close-all.
import type { Dir } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { STATUS, SftpRequestError } from './errors';

export interface FileEntry {
  readonly kind: 'file';
  readonly file: FileHandle;
  readonly path: string;
}

export interface DirEntry {
  readonly kind: 'dir';
  readonly dir: Dir;
  readonly path: string;
  /** `.` and `..` go out first, as OpenSSH's sftp-server (readdir(3)) sends them. */
  dotsSent: boolean;
  eof: boolean;
}

export type HandleEntry = FileEntry | DirEntry;

export const DEFAULT_MAX_HANDLES = 512;
const HANDLE_BYTES = 4;

export class HandleTable {
  private readonly entries = new Map<number, HandleEntry>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly maxHandles = DEFAULT_MAX_HANDLES) {}

  get size(): number {
    return this.entries.size;
  }

  /** True when add() would refuse: callers check before opening so nothing leaks. */
  get full(): boolean {
    return this.entries.size >= this.maxHandles;
  }

  /** Refuses after closeAll(): the caller must then close what it opened itself. */
  add(entry: HandleEntry): Buffer {
    if (this.closed) throw new SftpRequestError(STATUS.FAILURE, 'Session closed');
    if (this.full) throw new SftpRequestError(STATUS.FAILURE, 'Too many open handles');
    // Ids are not reused soon after a close, so a stale handle from a client bug never hits a new file.
    while (this.entries.has(this.nextId) || this.nextId === 0) this.nextId = (this.nextId + 1) >>> 0;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    this.entries.set(id, entry);
    const handle = Buffer.alloc(HANDLE_BYTES);
    handle.writeUInt32BE(id, 0);
    return handle;
  }

  private idOf(handle: Buffer): number | undefined {
    return handle.length === HANDLE_BYTES ? handle.readUInt32BE(0) : undefined;
  }

  get(handle: Buffer): HandleEntry {
    const id = this.idOf(handle);
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (!entry) throw new SftpRequestError(STATUS.FAILURE, 'Invalid handle');
    return entry;
  }

  file(handle: Buffer): FileEntry {
    const entry = this.get(handle);
    if (entry.kind !== 'file') throw new SftpRequestError(STATUS.FAILURE, 'Handle is not a file');
    return entry;
  }

  dir(handle: Buffer): DirEntry {
    const entry = this.get(handle);
    if (entry.kind !== 'dir') throw new SftpRequestError(STATUS.FAILURE, 'Handle is not a directory');
    return entry;
  }

  /** Removes the handle first (so no later request can use it), then closes what it held. */
  async close(handle: Buffer): Promise<void> {
    const entry = this.get(handle);
    this.entries.delete(this.idOf(handle) as number);
    await closeEntry(entry);
  }

  /** Session end: closes everything, ignoring errors; returns how many handles were still open. */
  async closeAll(): Promise<number> {
    this.closed = true;
    const open = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(open.map((entry) => closeEntry(entry).catch(() => undefined)));
    return open.length;
  }
}

function closeEntry(entry: HandleEntry): Promise<void> {
  return entry.kind === 'file' ? entry.file.close() : entry.dir.close();
}
