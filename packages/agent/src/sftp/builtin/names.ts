// User and group names for `ls -l` longnames, read once from /etc/passwd and /etc/group (Node has no getpwuid).
import { readFile } from 'node:fs/promises';

export interface IdNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** Parses passwd/group lines (`name:x:id:...`) into id -> name; the first name for an id wins. */
export function parseIdFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3) continue;
    const id = Number(fields[2]);
    const name = fields[0];
    if (name && Number.isInteger(id) && !names.has(id)) names.set(id, name);
  }
  return names;
}

async function readIdFile(path: string): Promise<Map<number, string>> {
  try {
    return parseIdFile(await readFile(path, 'utf8'));
  } catch {
    return new Map();
  }
}

let cached: { at: number; names: Promise<IdNames> } | undefined;
const CACHE_MS = 60_000;

/** The machine's id names, re-read at most once a minute; unknown ids print as numbers. */
export function loadIdNames(now = Date.now()): Promise<IdNames> {
  if (cached && now - cached.at < CACHE_MS) return cached.names;
  const names = Promise.all([readIdFile('/etc/passwd'), readIdFile('/etc/group')]).then(
    ([users, groups]): IdNames => ({
      user: (uid) => users.get(uid) ?? String(uid),
      group: (gid) => groups.get(gid) ?? String(gid),
    }),
  );
  cached = { at: now, names };
  return names;
}
