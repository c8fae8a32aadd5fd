import { AgentError } from '../errors';
import { HELP } from '../cli-args';
import { LIFECYCLE_DEFAULTS, resolveLifecycle } from './options';
import { parseRunArgs } from '../job/run-args';

test('lifecycle defaults and durations', () => {
  expect(resolveLifecycle()).toEqual({ ...LIFECYCLE_DEFAULTS, maxDurationMs: undefined, hold: false, epilogue: undefined });
  expect(resolveLifecycle({ connectTimeout: '2s', idleTimeout: '1m30s', warnAt: '1s, 500ms', maxDuration: '1h', epilogue: 'echo hi' })).toEqual({
    connectTimeoutMs: 2000, idleTimeoutMs: 90_000, warnAtMs: [1000, 500], maxDurationMs: 3_600_000, hold: false, epilogue: 'echo hi',
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
