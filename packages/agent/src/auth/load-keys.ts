// Builds the agent's key sources from its config (files, inline text, GitHub/GitLab users) and does the
// first load: an unreadable file is a config error; a failed forge fetch is one warning line, and only
// "no key at all" stops the agent (exit 2).
import { resolve } from 'node:path';
import type { AgentConfig } from '../config';
import { AgentError, AgentErrorCode } from '../errors';
import type { Logger } from '../log';
import { AuthorizedKeys, fileKeySource, type KeySource, textKeySource } from './key-source';
import { type FetchText, urlKeySource } from './url-key-source';

export const AUTHORIZED_KEYS_ENV = 'CONVERGE_AUTHORIZED_KEYS';

export function keySources(config: AgentConfig, fetcher?: FetchText): { files: KeySource[]; others: KeySource[] } {
  const files = config.authorizedKeysFiles.map((file) => fileKeySource(resolve(file)));
  const others: KeySource[] = [];
  if (config.authorizedKeysText) others.push(textKeySource(AUTHORIZED_KEYS_ENV, config.authorizedKeysText));
  for (const user of config.githubUsers) others.push(urlKeySource('github', config.githubUrl, user, fetcher));
  for (const user of config.gitlabUsers) others.push(urlKeySource('gitlab', config.gitlabUrl, user, fetcher));
  return { files, others };
}

export async function loadKeys(config: AgentConfig, log: Logger, fetcher?: FetchText): Promise<AuthorizedKeys> {
  const { files, others } = keySources(config, fetcher);
  const sources = [...files, ...others];
  const keys = new AuthorizedKeys(sources, log);
  const result = await keys.reload();
  const fileNames = new Set(files.map((s) => s.name));
  for (const failure of result.failures) {
    if (fileNames.has(failure.source)) {
      throw new AgentError(AgentErrorCode.BAD_ARGUMENT, `cannot read authorized keys ${failure.source}: ${failure.error.message}`);
    }
    log.warn(`cannot fetch keys of ${failure.source}: ${failure.error.message}`);
  }
  if (result.keys.length === 0) {
    throw new AgentError(AgentErrorCode.NO_AUTHORIZED_KEYS, `no usable authorized key in ${sources.map((s) => s.name).join(', ')}`);
  }
  return keys;
}
