import { AgentError } from '../errors';
import { HELP } from '../cli-args';
import { LIFECYCLE_DEFAULTS, resolveLifecycle } from './options';
import { endLine, holdHint } from './text';
import { parseRunArgs } from '../job/run-args';

test('lifecycle defaults and durations', () => {
  expect(resolveLifecycle()).toEqual({ ...LIFECYCLE_DEFAULTS, maxDurationMs: undefined, hold: false, epilogue: undefined });
  expect(resolveLifecycle({ connectTimeout: '2s', idleTimeout: '1m30s', warnAt: '1s, 500ms', maxDuration: '1h', epilogue: 'echo hi' })).toEqual({
    connectTimeoutMs: 2000, idleTimeoutMs: 90_000, warnAtMs: [1000, 500], maxDurationMs: 3_600_000, hold: false, epilogue: 'echo hi', remindEveryMs: 300_000,
  });
  expect(resolveLifecycle({ warnAt: '' }).warnAtMs).toEqual([]);
  const settings = resolveLifecycle({ connectTimeout: '1s' });
  expect(resolveLifecycle(settings)).toBe(settings);
});

test.each([[{ connectTimeout: 'soon' }, /--connect-timeout "soon"/], [{ idleTimeout: '0' }, /--idle-timeout/], [{ warnAt: '1m,x' }, /--warn-at "x"/], [{ maxDuration: '-1' }, /--max-duration/]])(
  'bad lifecycle value %j',
  (input, message) => {
    expect(() => resolveLifecycle(input)).toThrow(AgentError);
    expect(() => resolveLifecycle(input)).toThrow(message);
  },
);

test('help lists every lifecycle flag, run mode and the job exit code', () => {
  for (const flag of ['--connect-timeout', '--idle-timeout', '--warn-at', '--max-duration', '--hold', '--epilogue', '--when failure', '--when always', '--when during', '.hold', 'converge-agent run']) {
    expect(HELP).toContain(flag);
  }
  expect(HELP).toMatch(/job's own exit code/);
});

test('run: agent options, --when and the command after --', () => {
  const parsed = parseRunArgs(['ws://x', '--idle-timeout', '5s', '--when', 'during', '--', 'sh', '-c', 'exit 3', '--when'], {});
  expect(parsed).toMatchObject({ kind: 'job', job: { when: 'during', command: ['sh', '-c', 'exit 3', '--when'] }, config: { relayUrl: 'ws://x', lifecycle: { idleTimeout: '5s' } } });
  expect(parseRunArgs(['ws://x', '--', 'true'], {})).toMatchObject({ job: { when: 'failure' } });
  expect(parseRunArgs(['--when=always', 'ws://x', '--', 'true'], {})).toMatchObject({ job: { when: 'always' } });
  expect(parseRunArgs(['--help'], {})).toEqual({ kind: 'help' });
  for (const argv of [['ws://x'], ['ws://x', '--'], ['ws://x', '--when', 'never', '--', 'true'], ['--when'], ['--listen', '127.0.0.1:0', '--', 'true']]) {
    expect(() => parseRunArgs(argv, {})).toThrow(AgentError);
  }
});

test('end lines say the true cause when the relay was down', () => {
  const settings = resolveLifecycle({ connectTimeout: '10m' });
  expect(endLine('connect-timeout', settings, { downMs: 0, never: true })).toBe('the relay could not be reached for the whole 10m wait, so nobody could log in; exiting');
  expect(endLine('connect-timeout', settings, { downMs: 7 * 60_000, never: false })).toBe('nobody logged in within 10m (the relay was unreachable for 7m of it); exiting');
  expect(endLine('connect-timeout', settings)).toBe('nobody logged in within 10m; exiting');
});

test('the hold hint says what --hold and .hold really do', () => {
  expect(holdHint(false, false)).toBeUndefined();
  expect(holdHint(true, false)).toMatch(/^Held by --hold: .*until the idle timeout\.$/);
  expect(holdHint(false, true)).toMatch(/^Held by \$agentdir\/\.hold: .*remove the file to end at logout/);
  expect(holdHint(true, true)).not.toContain('rm ');
});

test('--remind-every: 5m by default, 0 turns it off', () => {
  expect(resolveLifecycle({}).remindEveryMs).toBe(5 * 60_000);
  expect(resolveLifecycle({ remindEvery: '0' }).remindEveryMs).toBe(0);
  expect(() => resolveLifecycle({ remindEvery: 'often' })).toThrow(/--remind-every/);
});
