// The least a Node ProxyCommand can do: `node bare-proxy.cjs <host> <port>` copies stdin to a TCP
// connection and the connection to stdout, nothing else (no websocket, no checks). The keystroke bench
// puts it in front of the agent reached directly to price one Node forwarding process, the kind of hop
// wsproxy and the relay each add.
const net = require('node:net');

const socket = net.connect(Number(process.argv[3]), process.argv[2]);
socket.setNoDelay(true);
process.stdin.on('data', (chunk) => socket.write(chunk));
socket.on('data', (chunk) => process.stdout.write(chunk));
process.stdin.on('end', () => socket.end());
socket.on('end', () => process.exit(0));
socket.on('error', () => process.exit(1));
