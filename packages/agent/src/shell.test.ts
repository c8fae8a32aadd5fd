import { findProgram, resolveShell, shellCandidates, shellSpec } from './shell';

const present = (files: string[]) => (path: string) => files.includes(path);

test('--shells are tried in order before $SHELL, bash, zsh, sh', () => {
  const env = { PATH: '/usr/bin:/bin', SHELL: '/bin/bash' };
  expect(shellCandidates(['zsh', 'sh'], { env, platform: 'linux' })).toEqual(['zsh', 'sh', '/bin/bash', 'bash', 'zsh', 'sh']);
  const lookup = { env, platform: 'linux' as const, isExecutable: present(['/bin/sh', '/bin/bash']) };
  expect(resolveShell(['zsh', 'sh'], lookup).file).toBe('/bin/sh');
  expect(resolveShell([], lookup).file).toBe('/bin/bash');
  expect(resolveShell(['/opt/fish'], lookup).file).toBe('/bin/bash');
});

test('no shell at all falls back to /bin/sh; login and command arguments', () => {
  const spec = resolveShell(['nope'], { env: { PATH: '/x' }, platform: 'linux', isExecutable: () => false });
  expect(spec.file).toBe('/bin/sh');
  expect(spec.loginArgs).toEqual(['-l']);
  expect(spec.commandArgs('echo hi')).toEqual(['-c', 'echo hi']);
});

test('Windows conventions (untested on Windows itself)', () => {
  const lookup = { env: { PATH: 'C:\\Windows\\System32', PATHEXT: '.EXE' }, platform: 'win32' as const, isExecutable: (p: string) => p.endsWith('cmd.exe') };
  expect(findProgram('cmd', lookup)).toMatch(/cmd\.exe$/);
  expect(resolveShell([], lookup).commandArgs('dir')).toEqual(['/d', '/s', '/c', 'dir']);
  expect(shellSpec('C:\\x\\powershell.exe').commandArgs('ls')).toEqual(['-NoLogo', '-NoProfile', '-Command', 'ls']);
});
