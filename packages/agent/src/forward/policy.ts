// Who may use what on this agent: the agent's own --no-forwarding and the relay's policy from its
// `welcome` (allowShell / allowForwarding, updated after every reconnect). Per-key options
// (no-port-forwarding, permitopen) are checked where the request is served.
import type { WelcomeMessage } from '@converge/protocol';

/** OpenSSH's GatewayPorts for `ssh -R`: `no` binds loopback whatever the client asks (the default),
 *  `yes` binds every interface, `clientspecified` binds what the client names. */
export type GatewayPorts = 'no' | 'yes' | 'clientspecified';
export const GATEWAY_PORTS: readonly GatewayPorts[] = ['no', 'yes', 'clientspecified'];

export class AccessPolicy {
  private relayAllowsShell = true;
  private relayAllowsForwarding = true;

  constructor(
    private readonly agentAllowsForwarding: boolean,
    readonly gatewayPorts: GatewayPorts = 'no',
  ) {}

  /** Takes the relay's policy; a welcome without the fields allows both. */
  applyWelcome(welcome: Pick<WelcomeMessage, 'allowShell' | 'allowForwarding'>): void {
    this.relayAllowsShell = welcome.allowShell !== false;
    this.relayAllowsForwarding = welcome.allowForwarding !== false;
  }

  /** Why port forwarding is refused, or undefined when it is allowed. */
  forwardingRefusal(): string | undefined {
    if (!this.agentAllowsForwarding) return 'port forwarding is disabled on this agent (--no-forwarding)';
    if (!this.relayAllowsForwarding) return 'port forwarding is disabled by the relay (--allow-forwarding no)';
    return undefined;
  }

  /** Why shells and commands are refused (sftp stays allowed), or undefined when they are allowed. */
  shellRefusal(): string | undefined {
    return this.relayAllowsShell ? undefined : 'shells and commands are disabled by the relay (--allow-shell no); sftp still works';
  }
}
