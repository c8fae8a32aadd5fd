import { utils } from 'ssh2';
import { ssh2HostKey } from './keys';

test('every ssh2 host key parses: ssh2 keygen drops a leading zero byte about one time in 256', () => {
  for (let i = 0; i < 2000; i++) expect(utils.parseKey(ssh2HostKey())).not.toBeInstanceOf(Error);
});
