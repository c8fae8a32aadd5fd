// Integration: ssh -tt run inside a local terminal, so a local resize becomes an SSH window-change that
// the agent must pass on to the remote terminal (node-pty and the `script` fallback).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '../agent';
import { loadNodePty } from './node-pty';
import { PtyBackend } from './types';
import { clampSize } from './types';
import { runSsh, sshArgs, startTestAgent, tempKeys, type TempKeys, waitFor } from '@converge/testkit';
import { startAgent } from '../agent';

jest.setTimeout(20_000);

let keys: TempKeys;
let file: string;

beforeAll(() => {
  keys = tempKeys(['me']);
  file = join(keys.dir, 'authorized_keys');
  writeFileSync(file, `${keys.publicLine('me')}\n`);
});
afterAll(() => keys.cleanup());

function waitForText(read: () => string, pattern: RegExp): Promise<boolean> {
  return waitFor(String(pattern), () => pattern.test(read()), { timeoutMs: 5000, detail: () => `output: ${JSON.stringify(read())}` });
}

describe.each([PtyBackend.nodePty, PtyBackend.script])('terminal backend %s', (backend) => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startTestAgent(startAgent, { authorizedKeysFiles: [file] }, { ptyBackend: backend });
  });
  afterAll(() => agent.close());

  test('ssh -tt gets a tty with the client size, and resizes follow', async () => {
    const nodePty = loadNodePty()!;
    const args = [...sshArgs(agent, keys.key('me'), keys.dir), '-tt', 'u@127.0.0.1', 'tty; stty size; while read x; do stty size; done'];
    const term = nodePty.spawn('ssh', args, { cols: 100, rows: 30, env: process.env as Record<string, string> });
    let text = '';
    term.onData((d) => (text += d));
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    await waitForText(() => text, /30 100/);
    expect(text).toMatch(/\/dev\/pts\/\d+/);
    term.resize(120, 40);
    // The resize travels as a window-change (and, for `script`, an `stty -F`): ask until it shows.
    const ask = setInterval(() => term.write('\r'), 150);
    await waitForText(() => text, /40 120/).finally(() => clearInterval(ask));
    term.write('\x04');
    expect(await exited).toBe(0);
  });

  test('exit codes pass through the terminal', async () => {
    const result = await runSsh([...sshArgs(agent, keys.key('me'), keys.dir), '-tt', 'u@127.0.0.1', 'exit 3']);
    expect(result.code).toBe(3);
  });
});

test('absurd sizes are clamped', () => {
  expect(clampSize(0, 0)).toEqual({ cols: 80, rows: 24 });
  expect(clampSize(100000, 100000)).toEqual({ cols: 1000, rows: 1000 });
  expect(clampSize(Number.NaN, 50)).toEqual({ cols: 80, rows: 50 });
});
