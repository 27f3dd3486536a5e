/** Veil's engine as the bench runs it: its own process, default options. Usage: PORT CONNECT_PORT... */
import { createProxy } from '../../proxy-core/src/proxy/create-proxy.js';

const [port = '0', ...connectPorts] = process.argv.slice(2);
const engine = createProxy({
  port: Number(port),
  allowedConnectPorts: [443, 8443, ...connectPorts.map(Number)],
});
const { port: bound } = await engine.listen();
process.stdout.write(`veil listening on ${bound}\n`);
const stop = (): void => {
  void engine.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
