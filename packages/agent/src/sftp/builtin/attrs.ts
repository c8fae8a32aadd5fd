// Converts between fs.Stats and SFTP ATTRS, writes OpenSSH-style `ls -l` longnames, and applies SETSTAT attrs.
import type { Stats } from 'node:fs';
import { chmod, chown, truncate, utimes, type FileHandle } from 'node:fs/promises';
import type { IdNames } from './names';

/** The ATTRS fields SFTP v3 carries; ssh2 leaves absent ones undefined. */
export interface SftpAttrs {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: number;
  mtime?: number;
}

const UINT32_MAX = 0xffff_ffff;

function toUint32Seconds(ms: number): number {
  const s = Math.floor(ms / 1000);
  return Math.min(Math.max(s, 0), UINT32_MAX);
}

export function statsToAttrs(st: Stats): Required<SftpAttrs> {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: toUint32Seconds(st.atimeMs),
    mtime: toUint32Seconds(st.mtimeMs),
  };
}

const S_IFMT = 0o170000;
const TYPE_CHAR: Readonly<Record<number, string>> = {
  0o140000: 's',
  0o120000: 'l',
  0o100000: '-',
  0o060000: 'b',
  0o040000: 'd',
  0o020000: 'c',
  0o010000: 'p',
};

/** `ls`'s 10-character mode string, setuid/setgid/sticky included (BSD strmode without its trailing space). */
export function modeString(mode: number): string {
  const type = TYPE_CHAR[mode & S_IFMT] ?? '?';
  const rwx = (bits: number, special: boolean, specialChar: string): string => {
    const r = bits & 4 ? 'r' : '-';
    const w = bits & 2 ? 'w' : '-';
    const x = bits & 1;
    const last = special ? (x ? specialChar : specialChar.toUpperCase()) : x ? 'x' : '-';
    return r + w + last;
  };
  return (
    type +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't')
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HALF_YEAR_MS = ((365 * 24 * 60 * 60) / 2) * 1000;

/** strftime "%b %e %H:%M" for the last six months, else "%b %e  %Y" (OpenSSH's ls_file), local time. */
export function lsTime(mtimeMs: number, nowMs: number): string {
  const d = new Date(mtimeMs);
  const head = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')}`;
  if (nowMs - HALF_YEAR_MS < mtimeMs && nowMs >= mtimeMs) {
    const hh = String(d.getHours()).padStart(2, '0');
    const mm = String(d.getMinutes()).padStart(2, '0');
    return `${head} ${hh}:${mm}`;
  }
  return `${head}  ${d.getFullYear()}`;
}

/** The `longname` OpenSSH's sftp-server sends: "%s %3u %-*s %-*s %8llu %s %s" with 8-wide name columns. */
export function longname(name: string, st: Stats, ids: IdNames, nowMs = Date.now()): string {
  const user = ids.user(st.uid).padEnd(8, ' ');
  const group = ids.group(st.gid).padEnd(8, ' ');
  const links = String(st.nlink).padStart(3, ' ');
  const size = String(st.size).padStart(8, ' ');
  return `${modeString(st.mode)}  ${links} ${user} ${group} ${size} ${lsTime(st.mtimeMs, nowMs)} ${name}`;
}

/** The permission bits OPEN should create a file with: the client's, else 0666 (umask applies). */
export function createMode(attrs: SftpAttrs | undefined): number {
  return typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o666;
}

/** Where SETSTAT/FSETSTAT apply: a path (following symlinks, as setstat does) or an open file. */
export type AttrTarget = { readonly path: string } | { readonly file: FileHandle };

/** Applies attrs in OpenSSH's order: size (truncate), permissions, times, owner. */
export async function applyAttrs(target: AttrTarget, attrs: SftpAttrs): Promise<void> {
  const file = 'file' in target ? target.file : undefined;
  const path = 'path' in target ? target.path : undefined;
  if (typeof attrs.size === 'number') {
    if (file) await file.truncate(attrs.size);
    else await truncate(path as string, attrs.size);
  }
  if (typeof attrs.mode === 'number') {
    const mode = attrs.mode & 0o7777;
    if (file) await file.chmod(mode);
    else await chmod(path as string, mode);
  }
  if (typeof attrs.atime === 'number' && typeof attrs.mtime === 'number') {
    if (file) await file.utimes(attrs.atime, attrs.mtime);
    else await utimes(path as string, attrs.atime, attrs.mtime);
  }
  if (typeof attrs.uid === 'number' && typeof attrs.gid === 'number') {
    if (file) await file.chown(attrs.uid, attrs.gid);
    else await chown(path as string, attrs.uid, attrs.gid);
  }
}
