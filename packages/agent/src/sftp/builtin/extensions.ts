// The OpenSSH SFTP extensions (OpenSSH's PROTOCOL file, section 4) that clients use: `sftp` ln/cp/df,
// paramiko and asyncssh posix_rename/link/statvfs/fsync, sshfs. Each is announced in VERSION and served
// as an SSH_FXP_EXTENDED request; an unknown name gets OP_UNSUPPORTED, as from OpenSSH.
import { link, rename, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { MAX_READ_LENGTH } from './files';
import { STATUS, SftpRequestError } from './errors';
import { DEFAULT_MAX_HANDLES } from './handles';
import { sftpRealpath } from './paths';
import type { SftpSession } from './session';
import { type FieldReader, MAX_PACKET_BYTES } from './wire';

/** Names and versions announced in VERSION, as OpenSSH 9's sftp-server spells them. */
export const EXTENSIONS: ReadonlyArray<readonly [string, string]> = [
  ['posix-rename@openssh.com', '1'],
  ['statvfs@openssh.com', '2'],
  ['fstatvfs@openssh.com', '2'],
  ['hardlink@openssh.com', '1'],
  ['fsync@openssh.com', '1'],
  ['limits@openssh.com', '1'],
  ['expand-path@openssh.com', '1'],
  ['copy-data', '1'],
];

const COPY_CHUNK = 64 * 1024;

function uint64s(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8);
  values.forEach((v, i) => out.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(v))), i * 8));
  return out;
}

/**
 * statvfs as the extension reply lays it out. Node's statfs has no fragment size, fsid, mount flags or
 * name length: the fragment size is the block size (true on Linux filesystems in use), fsid and flags are
 * 0, names are 255 bytes (NAME_MAX).
 */
async function statvfsReply(path: string): Promise<Buffer> {
  const st = await statfs(path);
  return uint64s([st.bsize, st.bsize, st.blocks, st.bfree, st.bavail, st.files, st.ffree, st.ffree, 0, 0, 255]);
}

/** `~` and `~/x` as the login user's home, as OpenSSH's expand-path; `~user` is refused. */
function expandTilde(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return `${homedir()}/${path.slice(2)}`;
  if (path.startsWith('~')) throw new SftpRequestError(STATUS.NO_SUCH_FILE, 'No such file');
  return path;
}

export function registerExtensionHandlers(s: SftpSession): void {
  const { dispatch, reply, handles } = s;
  const ok = (reqId: number): void => dispatch.status(reqId, STATUS.OK);

  const byName: Record<string, (reqId: number, r: FieldReader) => Promise<void>> = {
    // POSIX rename(2): replaces an existing target, which plain RENAME refuses.
    'posix-rename@openssh.com': async (reqId, r) => {
      const from = s.resolve(r.string());
      await rename(from, s.resolve(r.string()));
      ok(reqId);
    },
    'statvfs@openssh.com': async (reqId, r) => reply.extendedReply(reqId, await statvfsReply(s.resolve(r.string()))),
    'fstatvfs@openssh.com': async (reqId, r) => reply.extendedReply(reqId, await statvfsReply(handles.get(r.bytes()).path)),
    // (oldpath, newpath): newpath becomes another name of oldpath.
    'hardlink@openssh.com': async (reqId, r) => {
      const existing = s.resolve(r.string());
      await link(existing, s.resolve(r.string()));
      ok(reqId);
    },
    'fsync@openssh.com': async (reqId, r) => {
      await handles.file(r.bytes()).file.sync();
      ok(reqId);
    },
    'limits@openssh.com': async (reqId) => {
      reply.extendedReply(reqId, uint64s([MAX_PACKET_BYTES, MAX_READ_LENGTH, MAX_READ_LENGTH, DEFAULT_MAX_HANDLES - handles.size]));
    },
    'expand-path@openssh.com': async (reqId, r) => {
      const real = await sftpRealpath(s.resolve(expandTilde(r.string())));
      reply.name(reqId, [{ filename: real, longname: real, attrs: {} }]);
    },
    // (read handle, offset, length or 0 for "to the end", write handle, offset): a server-side copy.
    'copy-data': async (reqId, r) => {
      const source = handles.file(r.bytes());
      const readFrom = r.uint64();
      const length = r.uint64();
      const target = handles.file(r.bytes());
      const writeAt = r.uint64();
      if (![readFrom, length, writeAt].every(Number.isSafeInteger)) throw new SftpRequestError(STATUS.FAILURE, 'Offset out of range');
      const buffer = Buffer.allocUnsafe(COPY_CHUNK);
      let copied = 0;
      while (length === 0 || copied < length) {
        const want = length === 0 ? COPY_CHUNK : Math.min(COPY_CHUNK, length - copied);
        const { bytesRead } = await source.file.read(buffer, 0, want, readFrom + copied);
        if (bytesRead === 0) break;
        let written = 0;
        while (written < bytesRead) {
          written += (await target.file.write(buffer, written, bytesRead - written, writeAt + copied + written)).bytesWritten;
        }
        copied += bytesRead;
      }
      // A length past the end of the source is an error in OpenSSH's server; 0 means "until EOF".
      if (length !== 0 && copied < length) throw new SftpRequestError(STATUS.EOF, 'End of file');
      ok(reqId);
    },
  };

  dispatch.on('EXTENDED', async (reqId, name, fields) => {
    const handler = byName[name];
    if (!handler) {
      dispatch.status(reqId, STATUS.OP_UNSUPPORTED, 'Operation unsupported');
      return;
    }
    await handler(reqId, fields);
  });
}
