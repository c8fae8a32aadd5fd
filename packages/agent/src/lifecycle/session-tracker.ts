// What the SSH server tells the rest of the agent about its clients: logins and logouts, client input,
// sessions opening and closing (with their kind and the relay connection they run on), and the open
// terminals that lifecycle warnings are written to.
import type { SessionKindName } from '@converge/protocol';
import type { ServerChannel, Session } from 'ssh2';

/** Per SSH connection; every method is optional to call and cheap. */
export interface ConnectionWatch {
  loggedIn(): void;
  /** A session channel was accepted; called after handleSession attached its listeners. */
  session(session: Session): void;
  /** A shell or command channel started; `terminal`: it has a pty; `interactive`: a detachable shell,
   *  whose life the shell registry reports (others are sessions, counted here). */
  channel(channel: ServerChannel, kind: 'shell' | 'exec', terminal: boolean, interactive: boolean): void;
  /** An `ssh -L` channel was requested. */
  forward(): void;
  closed(): void;
}

export interface ConnectionHooks {
  /** `connectionId`: the relay data socket's id; undefined on the TCP listener. */
  connection(connectionId: string | undefined): ConnectionWatch;
}

export interface SessionEvent {
  readonly connectionId: string;
  readonly event: 'opened' | 'closed' | 'authenticated';
  readonly kind: SessionKindName;
}

export interface TrackerEvents {
  readonly login: () => void;
  /** A logged-in connection closed (an SSH disconnect or a dropped transport): not a logout. */
  readonly disconnected: () => void;
  readonly activity: () => void;
  /** Exec and sftp sessions (interactive shells are counted by the shell registry instead). */
  readonly sessionStarted: () => void;
  readonly sessionEnded: () => void;
  readonly session: (event: SessionEvent) => void;
  /** Text for a new terminal before its shell starts (the job banner), if any. */
  readonly greeting?: () => string | undefined;
}

export class SessionTracker implements ConnectionHooks {
  private readonly terminals = new Set<ServerChannel>();

  constructor(private readonly events: TrackerEvents) {}

  get terminalCount(): number {
    return this.terminals.size;
  }

  /** Writes `text` to every open terminal (lifecycle warnings). */
  broadcast(text: string): void {
    for (const channel of this.terminals) channel.write(text);
  }

  connection(connectionId: string | undefined): ConnectionWatch {
    const { events } = this;
    let loggedIn = false;
    /** Sessions of this connection not ended yet: a connection that goes ends them all. */
    let open = 0;
    const started = (): void => {
      open++;
      events.sessionStarted();
    };
    const ended = (): void => {
      if (open === 0) return;
      open--;
      events.sessionEnded();
    };
    const report = (event: SessionEvent['event'], kind: SessionKindName): void => {
      if (connectionId !== undefined) events.session({ connectionId, event, kind });
    };
    return {
      loggedIn: () => {
        if (loggedIn) return;
        loggedIn = true;
        // The relay then counts this connection as a person's, never evicted for anonymous ones.
        report('authenticated', 'shell');
        events.login();
      },
      session: (session) => {
        // sftp is served inside session.ts/sftp; its request is visible on the session itself.
        let sftp = false;
        const opened = (): void => {
          if (sftp) return;
          sftp = true;
          started();
          report('opened', 'sftp');
        };
        // ssh2 emits 'sftp' instead of 'subsystem' only when 'sftp' has listeners: never add the first.
        if (session.listenerCount('sftp') > 0) session.on('sftp', opened);
        session.on('subsystem', (_accept, _reject, info) => {
          if (info.name === 'sftp') opened();
        });
        session.once('close', () => {
          if (!sftp) return;
          ended();
          report('closed', 'sftp');
        });
      },
      channel: (channel, kind, terminal, interactive) => {
        const counted = !interactive;
        if (counted) started();
        else events.activity();
        report('opened', kind);
        channel.on('data', () => events.activity());
        if (terminal) {
          const greeting = events.greeting?.();
          if (greeting) channel.write(greeting);
          this.terminals.add(channel);
        }
        channel.once('close', () => {
          this.terminals.delete(channel);
          if (counted) ended();
          report('closed', kind);
        });
      },
      forward: () => {
        events.activity();
        report('opened', 'forward');
      },
      closed: () => {
        while (open > 0) ended();
        if (loggedIn) events.disconnected();
        loggedIn = false;
      },
    };
  }
}
