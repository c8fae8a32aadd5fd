// Directory listing: OPENDIR and READDIR, in batches with OpenSSH-style longnames, then EOF.
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NameEntry as SftpName } from './wire';
import { longname, statsToAttrs } from './attrs';
import type { DirEntry } from './handles';
import { loadIdNames } from './names';
import type { SftpSession } from './session';
import { STATUS, SftpRequestError } from './errors';

/** Names per READDIR reply, as OpenSSH's sftp-server (100 names of <= 255 bytes stay far below 256 KiB). */
export const READDIR_BATCH = 100;

async function nextNames(entry: DirEntry): Promise<string[]> {
  const names: string[] = [];
  if (!entry.dotsSent) {
    entry.dotsSent = true;
    names.push('.', '..');
  }
  while (names.length < READDIR_BATCH && !entry.eof) {
    const dirent = await entry.dir.read();
    if (dirent === null) entry.eof = true;
    else names.push(dirent.name);
  }
  return names;
}

/** One batch of names with attrs; entries that vanished since readdir are skipped, as OpenSSH does. */
async function describe(dirPath: string, names: string[]): Promise<SftpName[]> {
  const [ids, stats] = await Promise.all([
    loadIdNames(),
    Promise.all(names.map((name) => lstat(join(dirPath, name)).catch(() => undefined))),
  ]);
  const now = Date.now();
  const out: SftpName[] = [];
  names.forEach((filename, i) => {
    const st = stats[i];
    if (!st) return;
    out.push({ filename, longname: longname(filename, st, ids, now), attrs: statsToAttrs(st) });
  });
  return out;
}

export function registerDirHandlers(s: SftpSession): void {
  const { dispatch, reply, handles } = s;

  dispatch.on('OPENDIR', async (reqId, clientPath) => {
    if (handles.full) throw new SftpRequestError(STATUS.FAILURE, 'Too many open handles');
    const path = s.resolve(clientPath);
    const dir = await opendir(path);
    let handle: Buffer;
    try {
      handle = handles.add({ kind: 'dir', dir, path, dotsSent: false, eof: false });
    } catch (err) {
      await dir.close().catch(() => undefined);
      throw err;
    }
    reply.handle(reqId, handle);
  });

  dispatch.on('READDIR', async (reqId, handle) => {
    const entry = handles.dir(handle);
    if (dispatch.backlogged()) await dispatch.outgoingRoom();
    // A batch can shrink to nothing when every entry vanished; keep reading until names or the end.
    for (;;) {
      const names = await nextNames(entry);
      if (names.length === 0) {
        dispatch.status(reqId, STATUS.EOF);
        return;
      }
      const described = await describe(entry.path, names);
      if (described.length > 0) {
        reply.name(reqId, described);
        return;
      }
    }
  });
}
