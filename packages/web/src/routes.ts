// The paths the relay serves for this package, below its base path, and the JSON answer of the
// commands API that the usage page's script calls.
import { parseUsageChoices } from './choices';
import { buildCommands, type RelayBases, type UsageCommands } from './commands';

export const WEB_PATHS = {
  /** renderUsagePage */
  usage: '/',
  /** renderSessionsPage */
  sessions: '/sessions',
  /** JSON UsageCommands for the query string: commandsResponse */
  commands: '/api/commands',
} as const;

/** What `GET <base>/api/commands?<query>` answers (serve as application/json). */
export function commandsResponse(relay: RelayBases, query: URLSearchParams): UsageCommands {
  return buildCommands(parseUsageChoices(query), relay);
}
