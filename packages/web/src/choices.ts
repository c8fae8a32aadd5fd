// The choices a person makes on the usage page, read from a query string. Never throws on user input:
// unknown values fall back to defaults, invalid free text is dropped and reported as a problem.
import { isHostKeyFingerprint, isValidId } from '@converge/protocol';

export const CI_SYSTEMS = ['github', 'gitlab', 'shell', 'powershell', 'cmd'] as const;
export const CLIENT_SYSTEMS = ['linux', 'macos', 'windows'] as const;
export const KEY_SOURCES = ['github', 'paste', 'file'] as const;
export const START_CONDITIONS = ['failure', 'always'] as const;
/** `step`: the agent is a step of its own after the build; `wrap`: it runs the build (run mode). */
export const START_MODES = ['step', 'wrap'] as const;

export type CiSystem = (typeof CI_SYSTEMS)[number];
export type ClientSystem = (typeof CLIENT_SYSTEMS)[number];
export type KeySource = (typeof KEY_SOURCES)[number];
export type StartCondition = (typeof START_CONDITIONS)[number];
export type StartMode = (typeof START_MODES)[number];

/** Query parameter names; the form fields carry the same names. */
export const CHOICE_PARAMS = {
  ci: 'ci',
  os: 'os',
  keys: 'keys',
  githubUser: 'user',
  publicKey: 'key',
  keyFile: 'file',
  when: 'when',
  mode: 'mode',
  buildCommand: 'cmd',
  id: 'id',
  hostKey: 'hostkey',
} as const;

export type ChoiceField = keyof typeof CHOICE_PARAMS;

export interface ChoiceProblem {
  readonly field: ChoiceField;
  readonly message: string;
}

export interface UsageChoices {
  readonly ci: CiSystem;
  /** The person's computer, where ssh runs. */
  readonly os: ClientSystem;
  readonly keys: KeySource;
  /** `''` when not given or invalid; the same for publicKey, keyFile and id. */
  readonly githubUser: string;
  readonly publicKey: string;
  readonly keyFile: string;
  readonly when: StartCondition;
  readonly mode: StartMode;
  /** The build command run mode wraps; `''` until given (a placeholder stands). */
  readonly buildCommand: string;
  /** `''`: the agent generates an id. */
  readonly id: string;
  /** The host key fingerprint the job printed (`SHA256:...`), `''` until the person pastes it. */
  readonly hostKey: string;
  readonly problems: readonly ChoiceProblem[];
}

export const DEFAULT_CHOICES: UsageChoices = {
  ci: 'github',
  os: 'linux',
  keys: 'github',
  githubUser: '',
  publicKey: '',
  keyFile: '',
  when: 'failure',
  mode: 'step',
  buildCommand: '',
  id: '',
  hostKey: '',
  problems: [],
};

/** GitHub logins: letters, digits and single inner hyphens, at most 39 characters. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** One authorized_keys line without options: type, base64 blob, optional comment. */
const PUBLIC_KEY =
  /^(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-[a-z0-9-]+|sk-[A-Za-z0-9@.-]+) AAAA[A-Za-z0-9+/]+={0,3}(?: [^\p{Cc}]*)?$/u;
const CONTROL_CHARACTERS = /\p{Cc}/u;
const MAX_KEY_LENGTH = 16_384;
const MAX_PATH_LENGTH = 1024;

export function isGithubLogin(value: string): boolean {
  return GITHUB_LOGIN.test(value);
}

export function isPublicKeyLine(value: string): boolean {
  return value.length <= MAX_KEY_LENGTH && PUBLIC_KEY.test(value);
}

/** A build command: one line of shell, no control characters. */
export function isBuildCommand(value: string): boolean {
  return value.length <= MAX_PATH_LENGTH && !CONTROL_CHARACTERS.test(value);
}

export function isKeyFilePath(value: string): boolean {
  return value.length > 0 && value.length <= MAX_PATH_LENGTH && !CONTROL_CHARACTERS.test(value);
}

function pick<T extends string>(allowed: readonly T[], value: string | null, fallback: T): T {
  return allowed.find((candidate) => candidate === value?.trim().toLowerCase()) ?? fallback;
}

/** Reads the choices from a query string (the usage form's GET submission or `/api/commands?...`). */
export function parseUsageChoices(query: URLSearchParams): UsageChoices {
  const problems: ChoiceProblem[] = [];
  const text = (field: ChoiceField, valid: (value: string) => boolean, message: string): string => {
    const value = (query.get(CHOICE_PARAMS[field]) ?? '').trim();
    if (value === '' || valid(value)) return value;
    problems.push({ field, message });
    return '';
  };
  const keys = pick(KEY_SOURCES, query.get(CHOICE_PARAMS.keys), DEFAULT_CHOICES.keys);
  // Only the field of the chosen key source is read: the others may hold leftovers from the form.
  const githubUser =
    keys === 'github'
      ? text('githubUser', isGithubLogin, 'Not a GitHub user name: letters, digits and single inner hyphens, at most 39 characters.')
      : '';
  const publicKey =
    keys === 'paste'
      ? text('publicKey', isPublicKeyLine, 'Not a public key line: paste one line such as "ssh-ed25519 AAAA... you@laptop" (your .pub file).')
      : '';
  const keyFile = keys === 'file' ? text('keyFile', isKeyFilePath, 'A path may not hold control characters.') : '';
  const id = text('id', (value) => isValidId(value.toLowerCase()), 'An id has 3-63 characters: a-z, 0-9 and inner "-".');
  const mode = pick(START_MODES, query.get(CHOICE_PARAMS.mode), DEFAULT_CHOICES.mode);
  const buildCommand = mode === 'wrap' ? text('buildCommand', isBuildCommand, 'A build command is one line, without control characters.') : '';
  const hostKey = text('hostKey', isHostKeyFingerprint, 'Not a host key fingerprint: paste the "SHA256:..." the job printed after "Host key:".');
  return {
    ci: pick(CI_SYSTEMS, query.get(CHOICE_PARAMS.ci), DEFAULT_CHOICES.ci),
    os: pick(CLIENT_SYSTEMS, query.get(CHOICE_PARAMS.os), DEFAULT_CHOICES.os),
    keys,
    githubUser,
    publicKey,
    keyFile,
    when: pick(START_CONDITIONS, query.get(CHOICE_PARAMS.when), DEFAULT_CHOICES.when),
    mode,
    buildCommand,
    id: id.toLowerCase(),
    hostKey,
    problems,
  };
}
