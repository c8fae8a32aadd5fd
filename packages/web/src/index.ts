// @converge/web: the relay's pages as HTML strings (usage page and live sessions page), the commands
// behind the usage page, and the headers to serve them with. No HTTP server here: the relay serves them.
export {
  CI_SYSTEMS,
  CLIENT_SYSTEMS,
  KEY_SOURCES,
  START_CONDITIONS,
  CHOICE_PARAMS,
  DEFAULT_CHOICES,
  parseUsageChoices,
  isGithubLogin,
  isPublicKeyLine,
  isKeyFilePath,
  type CiSystem,
  type ClientSystem,
  type KeySource,
  type StartCondition,
  type ChoiceField,
  type ChoiceProblem,
  type UsageChoices,
} from './choices';
export {
  buildCommands,
  AUTHORIZED_KEYS_ENV,
  ID_PLACEHOLDER,
  SSH_HOST_SUFFIX,
  type JobLanguage,
  type RelayBases,
  type UsageCommands,
} from './commands';
export {
  quotePosix,
  quotePowerShell,
  powerShellString,
  quoteCmd,
  escapeCmdSetValue,
  quoteYaml,
  escapeGithubExpressions,
  escapeGitlabVariable,
  escapeSshPercent,
} from './quote';
export { escapeHtml } from './html';
export { renderUsagePage, type UsagePageContext } from './usage-page';
export { renderSessionsPage, type SessionsPageContext } from './sessions-page';
export { pageHeaders, type PageName } from './security';
export { WEB_PATHS, commandsResponse } from './routes';
