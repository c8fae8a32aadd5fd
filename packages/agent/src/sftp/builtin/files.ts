// File requests: OPEN, READ, WRITE, CLOSE, FSTAT, FSETSTAT, at offsets, never whole files in memory.
import { constants as fsConstants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { applyAttrs, createMode, statsToAttrs } from './attrs';
import type { SftpSession } from './session';
import { STATUS, SftpRequestError } from './errors';

/** SFTP v3 pflags (SSH_FXF_*). */
export const OPEN_FLAG = {
  READ: 0x01,
  WRITE: 0x02,
  APPEND: 0x04,
  CREAT: 0x08,
  TRUNC: 0x10,
  EXCL: 0x20,
} as const;

/**
 * Largest READ reply: OpenSSH clients drop a connection on messages over 256 KiB, so like its sftp-server
 * (SFTP_MAX_READ_LENGTH) we answer at most 255 KiB; SFTP lets a reply be shorter than asked.
 */
export const MAX_READ_LENGTH = 255 * 1024;

/** SFTP pflags to open(2) flags, as OpenSSH's flags_from_portable(): neither READ nor WRITE means read. */
export function openFlags(pflags: number): number {
  const read = (pflags & OPEN_FLAG.READ) !== 0;
  const write = (pflags & OPEN_FLAG.WRITE) !== 0;
  let flags = read && write ? fsConstants.O_RDWR : write ? fsConstants.O_WRONLY : fsConstants.O_RDONLY;
  if (pflags & OPEN_FLAG.APPEND) flags |= fsConstants.O_APPEND;
  if (pflags & OPEN_FLAG.CREAT) flags |= fsConstants.O_CREAT;
  if (pflags & OPEN_FLAG.TRUNC) flags |= fsConstants.O_TRUNC;
  if (pflags & OPEN_FLAG.EXCL) flags |= fsConstants.O_EXCL;
  return flags;
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new SftpRequestError(STATUS.FAILURE, 'Offset out of range');
  }
}

export function registerFileHandlers(s: SftpSession): void {
  const { dispatch, reply, handles } = s;

  dispatch.on('OPEN', async (reqId, filename, pflags, attrs) => {
    if (handles.full) throw new SftpRequestError(STATUS.FAILURE, 'Too many open handles');
    const path = s.resolve(filename);
    const file = await open(path, openFlags(pflags), createMode(attrs));
    let handle: Buffer;
    try {
      handle = handles.add({ kind: 'file', file, path });
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
    reply.handle(reqId, handle);
  });

  dispatch.on('READ', async (reqId, handle, offset, length) => {
    const entry = handles.file(handle);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      dispatch.status(reqId, STATUS.EOF);
      return;
    }
    // A client that stops reading must not grow the queue of unsent replies: wait for room first.
    if (dispatch.backlogged()) await dispatch.outgoingRoom();
    const len = Math.min(length, MAX_READ_LENGTH);
    if (len === 0) {
      reply.data(reqId, Buffer.alloc(0));
      return;
    }
    const buffer = Buffer.allocUnsafe(len);
    const { bytesRead } = await entry.file.read(buffer, 0, len, offset);
    if (bytesRead === 0) {
      dispatch.status(reqId, STATUS.EOF);
      return;
    }
    reply.data(reqId, buffer.subarray(0, bytesRead));
  });

  dispatch.on('WRITE', async (reqId, handle, offset, data) => {
    const entry = handles.file(handle);
    checkOffset(offset);
    await writeAll(entry.file, data, offset);
    dispatch.status(reqId, STATUS.OK);
  });

  dispatch.on('CLOSE', async (reqId, handle) => {
    await handles.close(handle);
    dispatch.status(reqId, STATUS.OK);
  });

  dispatch.on('FSTAT', async (reqId, handle) => {
    const entry = handles.get(handle);
    const st = entry.kind === 'file' ? await entry.file.stat() : await stat(entry.path);
    reply.attrs(reqId, statsToAttrs(st));
  });

  dispatch.on('FSETSTAT', async (reqId, handle, attrs) => {
    const entry = handles.get(handle);
    await applyAttrs(entry.kind === 'file' ? { file: entry.file } : { path: entry.path }, attrs);
    dispatch.status(reqId, STATUS.OK);
  });
}

/** Starts writing synchronously, so a CLOSE queued right behind the WRITE waits for it. */
async function writeAll(file: FileHandle, data: Buffer, offset: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, offset + done);
    done += bytesWritten;
  }
}
