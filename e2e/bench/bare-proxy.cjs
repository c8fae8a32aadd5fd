// The least a Node forwarding process can do, in the two places the relay path has one:
//   node bare-proxy.cjs HOST PORT            stdin to a TCP connection and back, as ssh's ProxyCommand
//                                            (where wsproxy sits);
//   node bare-proxy.cjs --listen HOST PORT   listens on 127.0.0.1 (prints its port) and copies each
//                                            connection to HOST:PORT and back (where the relay sits).
// Nothing else: no websocket, no checks, and no backpressure (writes are not paused for a slow reader),
// which is fine for keystrokes and nothing else; the bulk reference forwarder is forwarder-floor.mjs's
// pipe(). The keystroke bench puts these in front of the agent reached directly, to price one such
// process and the two that the relay path's design puts on the path.
const net = require('node:net');

function join(a, b) {
  for (const [from, to] of [[a, b], [b, a]]) {
    from.on('data', (chunk) => to.write(chunk));
    from.on('close', () => to.destroy());
    from.on('error', () => undefined);
  }
}

const [first, ...rest] = process.argv.slice(2);
if (first === '--listen') {
  const [host, port] = rest;
  const server = net.createServer({ noDelay: true }, (inbound) => {
    const outbound = net.connect({ host, port: Number(port), noDelay: true });
    join(inbound, outbound);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else {
  const socket = net.connect(Number(rest[0]), first);
  socket.setNoDelay(true);
  process.stdin.on('data', (chunk) => socket.write(chunk));
  socket.on('data', (chunk) => process.stdout.write(chunk));
  process.stdin.on('end', () => socket.end());
  socket.on('end', () => process.exit(0));
  socket.on('error', () => process.exit(1));
}
