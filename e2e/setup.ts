// e2e tests start real processes and the real OpenSSH client: give each test room (Jest reads
// testTimeout only from the top-level config, not from a project).
import { mkdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

// The shells the agents start must not run this machine's dotfiles: bash reads ~/.bashrc when
// SSH_CLIENT is set (as under sshd), and a developer's .bashrc (pyenv, nvm, ...) made every command
// slow and, when a test killed one midway, left lock files behind that stalled every later shell.
// OpenSSH finds ~/.ssh from the password database, not HOME; npm keeps its cache where it was, so
// the pack test still installs offline.
if (process.env.CONVERGE_E2E_HOME === undefined) {
  const home = join(tmpdir(), 'converge-e2e-home');
  mkdirSync(home, { recursive: true });
  process.env.npm_config_cache ??= join(homedir(), '.npm');
  process.env.CONVERGE_E2E_HOME = home;
  process.env.HOME = home;
}
