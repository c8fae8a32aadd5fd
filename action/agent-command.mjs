#!/usr/bin/env node
// The GitHub Action's one step: turns the action's inputs (INPUT_* variables) into the agent's command
// line and runs it, with the job's stdio, returning its exit code. `--print` prints the command line
// (one argument per line) instead: the action's test checks it for every input combination.
// Keys and the token travel in CONVERGE_AUTHORIZED_KEYS / CONVERGE_TOKEN, never on the command line.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const WHEN = ['failure', 'always', 'during'];
const DURATION = /^\d+(ms|s|m|h)?(\d+(ms|s|m|h))*$/;

export function agentCommand(env) {
  const input = (name) => (env[`INPUT_${name}`] ?? '').trim();
  const relay = input('RELAY');
  if (!relay) throw new Error('input relay is required (the relay\'s base URL, e.g. wss://relay.example.com)');
  const args = ['-y', `@converge/agent@${input('VERSION') || 'latest'}`];
  const run = input('RUN');
  if (run) args.push('run');
  args.push(relay);
  if (run) {
    const when = input('WHEN') || 'failure';
    if (!WHEN.includes(when)) throw new Error(`input when must be failure, always or during, not ${JSON.stringify(when)}`);
    args.push('--when', when);
  }
  const users = input('GITHUB_USERS').split(/[\s,]+/).filter(Boolean);
  if (input('LIMIT_ACCESS_TO_ACTOR') !== 'false' && env.ACTOR) users.unshift(env.ACTOR);
  for (const user of [...new Set(users)]) args.push('--github-user', user);
  if (input('AUTHORIZED_KEYS_FILE')) args.push('--authorized-keys', input('AUTHORIZED_KEYS_FILE'));
  if (input('ID')) args.push('--id', input('ID'));
  for (const [name, flag] of [['CONNECT_TIMEOUT', '--connect-timeout'], ['IDLE_TIMEOUT', '--idle-timeout'], ['MAX_DURATION', '--max-duration']]) {
    const value = input(name);
    if (!value) continue;
    if (!DURATION.test(value)) throw new Error(`input ${name.toLowerCase().replace(/_/g, '-')} must be a duration like 30s, 10m or 1h, not ${JSON.stringify(value)}`);
    args.push(flag, value);
  }
  if (run) args.push('--', 'bash', '-eo', 'pipefail', '-c', run);
  return ['npx', ...args];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  let command;
  try {
    command = agentCommand(process.env);
  } catch (error) {
    process.stderr.write(`converge action: ${error.message}\n`);
    process.exit(2);
  }
  if (process.argv.includes('--print')) {
    process.stdout.write(`${command.join('\n')}\n`);
  } else {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
    child.on('error', (error) => {
      process.stderr.write(`converge action: cannot run npx: ${error.message}\n`);
      process.exit(127);
    });
    child.on('exit', (code, signal) => process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1)));
  }
}
