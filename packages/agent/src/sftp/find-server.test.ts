import { findSystemSftpServer, searchSftpServer, SYSTEM_SFTP_SERVER_PATHS } from './find-server';

test('fixed distribution paths come first, then PATH entries', () => {
  const exists = (set: string[]) => (p: string) => set.includes(p);
  expect(searchSftpServer('/bin:/opt/x', SYSTEM_SFTP_SERVER_PATHS, exists(['/usr/lib/ssh/sftp-server', '/opt/x/sftp-server']))).toBe(
    '/usr/lib/ssh/sftp-server',
  );
  expect(searchSftpServer('/bin::/opt/x', SYSTEM_SFTP_SERVER_PATHS, exists(['/opt/x/sftp-server']))).toBe('/opt/x/sftp-server');
  expect(searchSftpServer(undefined, SYSTEM_SFTP_SERVER_PATHS, exists([]))).toBeUndefined();
  expect(SYSTEM_SFTP_SERVER_PATHS).toEqual([
    '/usr/lib/openssh/sftp-server',
    '/usr/libexec/openssh/sftp-server',
    '/usr/lib/ssh/sftp-server',
    '/usr/libexec/sftp-server',
  ]);
});

test('on this machine: an executable file or nothing', () => {
  const found = findSystemSftpServer('');
  if (found !== undefined) expect(SYSTEM_SFTP_SERVER_PATHS).toContain(found);
  expect(searchSftpServer('', ['/etc'])).toBeUndefined(); // a directory is not a binary
  expect(searchSftpServer('', ['/etc/passwd'])).toBeUndefined(); // not executable
});
