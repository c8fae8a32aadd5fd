// Trust for wss: Node's bundled roots, the system's CA bundle (corporate CAs live there), the file in
// NODE_EXTRA_CA_CERTS and an explicit --ca file. Node 20 reads only its own bundle by default.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
  '/etc/ssl/ca-bundle.pem',
];

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The CA list to pass as `ca` to a TLS connection. Throws when an explicit file cannot be read. */
export function trustedCertificates(extraFile: string | undefined, env: NodeJS.ProcessEnv): string[] {
  const certificates = [...rootCertificates];
  const system = SYSTEM_BUNDLES.map(readIfPresent).find((text) => text !== undefined);
  if (system) certificates.push(system);
  const fromEnv = env.NODE_EXTRA_CA_CERTS && readIfPresent(env.NODE_EXTRA_CA_CERTS);
  if (fromEnv) certificates.push(fromEnv);
  if (extraFile) certificates.push(readFileSync(extraFile, 'utf8'));
  return certificates;
}
