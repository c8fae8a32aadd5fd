// Files with known content for transfer tests: random bytes written with their hash, and hashing.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** Writes `bytes` random bytes to `path`; resolves with their sha256 (hex). */
export async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const chunk = 1024 * 1024;
  for (let done = 0; done < bytes; done += chunk) {
    const data = randomBytes(Math.min(chunk, bytes - done));
    hash.update(data);
    if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const input = createReadStream(path);
  input.on('data', (d) => hash.update(d));
  await finished(input);
  return hash.digest('hex');
}
