// e2e tests start real processes and the real OpenSSH client: give each test room (Jest reads
// testTimeout only from the top-level config, not from a project).
jest.setTimeout(60_000);
