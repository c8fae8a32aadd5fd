// converge-wsproxy's --help, written by hand; args.test.ts checks it against the option table.
import { exitCodeHelp } from '@converge/protocol';

export const HELP = `Usage: converge-wsproxy [options] <url>
       converge-wsproxy completion    print a bash or zsh completion script

Connects stdin and stdout to a Converge relay's websocket for one agent, so that OpenSSH can reach the
agent through the relay. Use it as ssh's ProxyCommand, as the agent prints it in the job log:

  ssh -o ProxyCommand='npx -y @converge/wsproxy --host-key SHA256:<key> wss://relay.example.com/client/<id>' \\
      -o HostKeyAlias=<id>~<key> -o StrictHostKeyChecking=accept-new runner@<id>

--host-key pins the agent's host key: wsproxy reads it from the agent's key exchange (sent in clear)
and passes nothing to ssh unless its fingerprint is the one given, so an impostor (even one served by
the relay) is refused before ssh could trust it; ssh then checks the key's signature itself.
In ~/.ssh/config the ".converge" suffix of %h is dropped:

  Host <id>.converge
    ProxyCommand npx -y @converge/wsproxy --host-key SHA256:<key> wss://relay.example.com/client/%h
    HostKeyAlias <id>~<key>
    StrictHostKeyChecking accept-new

<url> is ws(s)://HOST[:PORT][/base-path]/client/<id>; http(s):// is accepted too.

Options:
  --connect-timeout D  give up connecting after D (default 15s; 500ms, 30s, 1m ...)
  --host-key SHA256:K  the agent's host key fingerprint (printed by the agent); refuse any other
  --ca FILE            also trust the CA certificates in FILE (PEM) for wss
                       (the system's CA bundle and NODE_EXTRA_CA_CERTS are trusted already)
  --verbose            log connection details to stderr
  -h, --help           show this help
  -V, --version        show the version

${exitCodeHelp([0, 1, 2, 3, 4, 5, 6, 7, 8], { 0: 'the session ended' })}
`;
