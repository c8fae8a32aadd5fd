import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuthorizedKeys } from './auth/authorized-keys';
import { generateHostKey, knownHostsLine } from './host-key';
import { hostKeyAlias } from '@converge/protocol';
import { tempKeys } from '@converge/testkit';

test('fingerprints match ssh-keygen -lf, for the host key and for authorized keys', () => {
  const keys = tempKeys(['me']);
  try {
    const host = generateHostKey();
    const file = join(keys.dir, 'host.pub');
    writeFileSync(file, `${host.publicKey}\n`);
    expect(execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1]).toBe(host.fingerprint);
    const mine = execFileSync('ssh-keygen', ['-lf', `${keys.key('me')}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(parseAuthorizedKeys(keys.publicLine('me'), 'x').keys[0]!.fingerprint).toBe(mine);
    expect(host.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  } finally {
    keys.cleanup();
  }
});

test('known_hosts line carries the id and its .converge alias', () => {
  const host = generateHostKey();
  expect(knownHostsLine('k3v9-x7qd', host)).toBe(`${hostKeyAlias('k3v9-x7qd', host.fingerprint)},k3v9-x7qd,k3v9-x7qd.converge ${host.publicKey}`);
  expect(host.publicKey).toMatch(/^ssh-ed25519 AAAA/);
  expect(generateHostKey().fingerprint).not.toBe(host.fingerprint);
});

test('every generated host key parses: ssh2 keygen drops a leading zero byte about one time in 256', () => {
  const { utils } = require('ssh2') as typeof import('ssh2');
  for (let i = 0; i < 2000; i++) {
    const host = generateHostKey();
    expect(utils.parseKey(host.privateKey)).not.toBeInstanceOf(Error);
    expect(Buffer.from(host.publicKey.split(' ')[1]!, 'base64')).toHaveLength(51);
  }
});
