import { execFileSync } from 'node:child_process';
import {
  escapeCmdSetValue,
  escapeGithubExpressions,
  escapeGitlabVariable,
  escapeSshPercent,
  powerShellString,
  quoteCmd,
  quotePosix,
  quotePowerShell,
  quoteYaml,
} from './quote';

const NASTY = [
  '',
  'plain',
  'two words',
  "it's",
  "''",
  '"double"',
  '$HOME ${HOME} $(id) `id`',
  'back\\slash\\',
  '*?[a]~{a,b}',
  '!event; a && b | c > d < e & f',
  '=leading-equals',
  '-dash',
  '#not a comment',
  'tab\tinside',
  'new\nline',
  'ünïcødé ✓ 日本',
  '%PATH% %%',
];

describe('quotePosix', () => {
  it.each(['/bin/sh', '/usr/bin/bash', '/usr/bin/dash'])('round-trips through %s', (shell) => {
    for (const value of NASTY) {
      const out = execFileSync(shell, ['-c', `printf %s ${quotePosix(value)}`], { encoding: 'utf8' });
      expect(out).toBe(value);
    }
  });

  it('leaves safe words bare and quotes the rest', () => {
    expect(quotePosix('wss://relay.example.com/base')).toBe('wss://relay.example.com/base');
    expect(quotePosix('@converge/agent')).toBe('@converge/agent');
    expect(quotePosix("it's")).toBe(`'it'\\''s'`);
    expect(quotePosix('=x')).toBe("'=x'");
  });
});

describe('PowerShell', () => {
  it('doubles every kind of single quote inside a verbatim string', () => {
    expect(powerShellString("it's")).toBe("'it''s'");
    expect(powerShellString('a\u2019b')).toBe("'a\u2019\u2019b'");
    expect(powerShellString('$env:X "y" `z`')).toBe("'$env:X \"y\" `z`'");
  });

  it('quotes words PowerShell would read as code', () => {
    expect(quotePowerShell('wss://relay.example.com')).toBe('wss://relay.example.com');
    expect(quotePowerShell('@converge/agent')).toBe("'@converge/agent'");
    for (const word of ['$x', 'a;b', 'a,b', '(a)', '{a}', '#a', 'a b', '-a', '/a']) {
      expect(quotePowerShell(word)).toBe(`'${word}'`);
    }
  });

  it('keeps every value between one opening and one closing quote', () => {
    for (const value of NASTY) {
      const quoted = powerShellString(value);
      const inner = quoted.slice(1, -1);
      // After removing the doubled quotes no single quote may remain: the string cannot end early.
      expect(inner.replace(/(['\u2018\u2019\u201A\u201B])\1/g, '')).not.toMatch(/['\u2018\u2019\u201A\u201B]/);
    }
  });
});

describe('cmd', () => {
  it('double-quotes arguments with specials, doubling % and "', () => {
    expect(quoteCmd('C:\\keys\\authorized_keys')).toBe('C:\\keys\\authorized_keys');
    expect(quoteCmd('C:\\my keys\\a&b')).toBe('"C:\\my keys\\a&b"');
    expect(quoteCmd('50% "x"')).toBe('"50%% ""x"""');
  });

  it('leaves an even number of quotes, so cmd never leaves the quoted run', () => {
    for (const value of NASTY) expect((quoteCmd(value).match(/"/g) ?? []).length % 2).toBe(0);
  });

  it('escapes set values with carets', () => {
    expect(escapeCmdSetValue('ssh-ed25519 AAAA a&b|c<d>e^f(g)"h" 100%')).toBe(
      'ssh-ed25519 AAAA a^&b^|c^<d^>e^^f^(g^)^"h^" 100%%',
    );
  });
});

describe('YAML and CI escapes', () => {
  it('writes YAML double-quoted scalars that read back as the value (JSON is a subset here)', () => {
    for (const value of NASTY.filter((v) => !/[\t\n]/.test(v))) expect(JSON.parse(quoteYaml(value))).toBe(value);
  });

  it('escapes GitHub expressions, GitLab variables and ssh % tokens', () => {
    expect(escapeGithubExpressions('a ${{ secrets.X }}')).toBe("a ${{ '${{' }} secrets.X }}");
    expect(escapeGitlabVariable('$HOME $$')).toBe('$$HOME $$$$');
    expect(escapeSshPercent('a%hb%%')).toBe('a%%hb%%%%');
  });
});
