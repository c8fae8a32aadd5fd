// Resume secrets: an HMAC of the id under the relay's key. The relay stores nothing per agent to check
// one, so a relay restarted with the same key (or another relay sharing it) still recognises agents.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class ResumeSecrets {
  private readonly key: Buffer;

  constructor(key?: string) {
    this.key = key ? Buffer.from(key, 'utf8') : randomBytes(32);
  }

  issue(id: string): string {
    return createHmac('sha256', this.key).update(`converge-resume:${id}`).digest('base64url');
  }

  verify(id: string, secret: string): boolean {
    const expected = Buffer.from(this.issue(id));
    const given = Buffer.from(secret);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
