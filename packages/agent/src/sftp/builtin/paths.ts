// Path requests: STAT, LSTAT, SETSTAT, MKDIR, RMDIR, REMOVE, RENAME, REALPATH, READLINK, SYMLINK.
import { lstat, mkdir, readlink, realpath, rename, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SftpAttrs } from './attrs';
import { applyAttrs, statsToAttrs } from './attrs';
import { STATUS, SftpRequestError } from './errors';
import type { SftpSession } from './session';

const NO_ATTRS: SftpAttrs = {};

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined;
}

/**
 * realpath(3) that, like OpenSSH's sftp_realpath(), accepts a missing last component: clients ask for the
 * real path of a file they are about to create.
 */
export async function sftpRealpath(absPath: string): Promise<string> {
  try {
    return await realpath(absPath);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT' || dirname(absPath) === absPath) throw err;
    return join(await realpath(dirname(absPath)), basename(absPath));
  }
}

/** SFTP v3 RENAME fails when the new name exists (OpenSSH's sftp-server too); POSIX rename would replace it. */
export async function renameNoReplace(from: string, to: string): Promise<void> {
  await lstat(from);
  const existing = await lstat(to).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (existing) throw new SftpRequestError(STATUS.FAILURE, 'File exists');
  await rename(from, to);
}

export function registerPathHandlers(s: SftpSession): void {
  const { dispatch, reply } = s;
  const ok = (reqId: number): void => dispatch.status(reqId, STATUS.OK);

  dispatch.on('STAT', async (reqId, path) => {
    reply.attrs(reqId, statsToAttrs(await stat(s.resolve(path))));
  });
  dispatch.on('LSTAT', async (reqId, path) => {
    reply.attrs(reqId, statsToAttrs(await lstat(s.resolve(path))));
  });
  dispatch.on('SETSTAT', async (reqId, path, attrs) => {
    await applyAttrs({ path: s.resolve(path) }, attrs);
    ok(reqId);
  });
  dispatch.on('MKDIR', async (reqId, path, attrs) => {
    const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o777;
    await mkdir(s.resolve(path), { mode });
    ok(reqId);
  });
  dispatch.on('RMDIR', async (reqId, path) => {
    await rmdir(s.resolve(path));
    ok(reqId);
  });
  dispatch.on('REMOVE', async (reqId, path) => {
    await unlink(s.resolve(path));
    ok(reqId);
  });
  dispatch.on('RENAME', async (reqId, oldPath, newPath) => {
    await renameNoReplace(s.resolve(oldPath), s.resolve(newPath));
    ok(reqId);
  });
  dispatch.on('REALPATH', async (reqId, path) => {
    const real = await sftpRealpath(s.resolve(path));
    reply.name(reqId, [{ filename: real, longname: real, attrs: NO_ATTRS }]);
  });
  dispatch.on('READLINK', async (reqId, path) => {
    const target = await readlink(s.resolve(path));
    reply.name(reqId, [{ filename: target, longname: target, attrs: NO_ATTRS }]);
  });
  // channel.ts read OpenSSH's field order: this is (where the link goes, what it points to).
  // The target is stored as sent (a relative target stays relative to the link's directory).
  dispatch.on('SYMLINK', async (reqId, linkPath, targetPath) => {
    await symlink(targetPath, s.resolve(linkPath));
    ok(reqId);
  });
}
