// The key file is watched: a key added can log in at once, a removed one cannot start new connections.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSsh, sshArgs, startTestAgent, tempKeys } from '@converge/testkit';
import { startAgent } from '../agent';

jest.setTimeout(20_000);

test('adding and removing a key in the watched file takes effect without a restart', async () => {
  const keys = tempKeys(['first', 'second']);
  const file = join(keys.dir, 'authorized_keys');
  writeFileSync(file, `${keys.publicLine('first')}\n`);
  const agent = await startTestAgent(startAgent, { authorizedKeysFiles: [file], watchKeys: true });
  try {
    const as = (name: string) => runSsh([...sshArgs(agent, keys.key(name), keys.dir), 'u@127.0.0.1', 'echo ok']);
    expect((await as('second')).code).toBe(255);
    writeFileSync(file, `${keys.publicLine('first')}\n${keys.publicLine('second')}\n`);
    let result = await as('second');
    for (let i = 0; i < 20 && result.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await as('second');
    }
    expect(result).toMatchObject({ code: 0, stdout: 'ok\n' });
    writeFileSync(file, `${keys.publicLine('second')}\n`);
    let first = await as('first');
    for (let i = 0; i < 20 && first.code === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      first = await as('first');
    }
    expect(first.code).toBe(255);
  } finally {
    await agent.close();
    keys.cleanup();
  }
});
