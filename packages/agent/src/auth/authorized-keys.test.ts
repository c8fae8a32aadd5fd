import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeKey, parseAuthorizedKeys } from './authorized-keys';
import { addressMatches } from './from';
import { foldOptions, splitOptions } from './options';
import { tempKeys, type TempKeys } from '@converge/testkit';

let keys: TempKeys;
const typed: Record<string, string> = {};

beforeAll(() => {
  keys = tempKeys(['ed']);
  for (const [name, args] of Object.entries({ rsa: ['-t', 'rsa', '-b', '1024'], p256: ['-t', 'ecdsa', '-b', '256'], p384: ['-t', 'ecdsa', '-b', '384'], p521: ['-t', 'ecdsa', '-b', '521'] })) {
    execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', join(keys.dir, name)]);
    typed[name] = readFileSync(join(keys.dir, `${name}.pub`), 'utf8').trim();
  }
  typed.ed = keys.publicLine('ed');
});
afterAll(() => keys.cleanup());

test('every key type ssh2 supports, with comments, blank lines and comment lines', () => {
  const text = ['# header', '', ...Object.values(typed), '   ', '# trailer'].join('\n');
  const { keys: parsed, warnings } = parseAuthorizedKeys(text, 'ak');
  expect(warnings).toEqual([]);
  expect(parsed.map((k) => k.type)).toEqual(['ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-ed25519']);
  expect(parsed[0]).toMatchObject({ comment: 'rsa', line: 3, source: 'ak' });
  expect(parsed[4]!.comment).toBe('ed@test');
  expect(describeKey(parsed[1]!)).toMatch(/^ECDSA SHA256:\S+ p256$/);
});

test('options with quoted spaces, commas and escaped quotes', () => {
  const line = `from="10.0.0.0/8,!10.1.2.3",command="echo \\"a, b\\" && ls -l",environment="GREETING=hi there",no-pty ${typed.ed} my key`;
  const { keys: parsed, warnings } = parseAuthorizedKeys(line, 'ak');
  expect(warnings).toEqual([]);
  expect(parsed[0]!.options).toMatchObject({
    noPty: true,
    noPortForwarding: false,
    command: 'echo "a, b" && ls -l',
    environment: [['GREETING', 'hi there']],
    from: ['10.0.0.0/8', '!10.1.2.3'],
  });
  expect(parsed[0]!.comment).toBe('ed@test my key');
});

test('restrict and its exceptions fold in order', () => {
  expect(foldOptions(splitOptions('restrict x').options)).toMatchObject({ noPty: true, noPortForwarding: true });
  expect(foldOptions(splitOptions('restrict,pty x').options)).toMatchObject({ noPty: false, noPortForwarding: true });
  expect(foldOptions(splitOptions('NO-PORT-FORWARDING x').options)).toMatchObject({ noPortForwarding: true });
  expect(foldOptions(splitOptions('expiry-time="20200102" x').options).expiresAt).toEqual(new Date(2020, 0, 2));
});

test('a restriction the agent does not implement refuses the line; permitlisten is read', () => {
  for (const option of ['principals="a"', 'no-such-restriction', 'permitlisten']) {
    const { keys: parsed, warnings } = parseAuthorizedKeys(`${option} ${typed.ed}`, 'f');
    expect(parsed).toHaveLength(0);
    expect(warnings).toHaveLength(1);
  }
  const { keys: parsed } = parseAuthorizedKeys(`restrict,port-forwarding,permitlisten="8080",permitlisten="localhost:*" ${typed.ed}`, 'f');
  expect(parsed[0]!.options).toMatchObject({ noPortForwarding: false, permitListen: ['8080', 'localhost:*'] });
});

test('broken lines are warnings with line numbers, never exceptions', () => {
  const text = [
    typed.ed,
    'ssh-ed25519 AAAAnotbase64key comment',
    `command="unterminated ${typed.ed}`,
    `frobnicate ${typed.ed}`,
    `cert-authority ${typed.ed}`,
    'sk-ssh-ed25519@openssh.com AAAAC3 x',
    'just garbage',
    `no-pty,${typed.ed}`,
  ].join('\n');
  const { keys: parsed, warnings } = parseAuthorizedKeys(text, 'file');
  expect(parsed).toHaveLength(1);
  expect(warnings.map((w) => w.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  expect(warnings[2]!.message).toMatch(/option "frobnicate" is not supported; the line is refused/);
  expect(parseAuthorizedKeys('garbage', 'f').warnings[0]!.message).toMatch(/expected "\[options\] key-type/);
  expect(warnings[1]!.message).toMatch(/closing quote/);
  expect(warnings.every((w) => w.source === 'file')).toBe(true);
});

test('from= patterns: globs, CIDR, negation, unknown address fails closed', () => {
  expect(addressMatches(['10.0.0.*'], '10.0.0.7')).toBe(true);
  expect(addressMatches(['10.0.0.0/8', '!10.1.2.3'], '10.1.2.3')).toBe(false);
  expect(addressMatches(['10.0.0.0/8'], '10.200.1.1')).toBe(true);
  expect(addressMatches(['192.168.1.?'], '192.168.1.12')).toBe(false);
  expect(addressMatches(['127.0.0.1'], '::ffff:127.0.0.1')).toBe(true);
  expect(addressMatches(['*'], undefined)).toBe(false);
  expect(addressMatches(['::1/128'], '::1')).toBe(true);
});
