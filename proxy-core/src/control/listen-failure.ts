import type { FieldError } from './contract.js';
import type { Settings } from './settings-schema.js';

/** This run's flags make the settings invalid (e.g. --listen 0.0.0.0 with no allowed clients). */
export class InvalidOverridesError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`Invalid option: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'InvalidOverridesError';
  }
}

/** A bind failure as the field it belongs to, in words that say what to do. */
export function listenFailure(err: NodeJS.ErrnoException, p: Settings['proxy']): FieldError {
  const where = p.listen.includes(':') ? `[${p.listen}]` : p.listen;
  switch (err.code) {
    case 'EADDRINUSE':
      return {
        path: 'proxy.port',
        message: `Port ${p.port} on ${where} is already in use by another program. Choose another port (0 picks a free one).`,
      };
    case 'EACCES':
      return {
        path: 'proxy.port',
        message: `Not allowed to listen on port ${p.port}: ports below 1024 need administrator rights. Choose one from 1024 to 65535.`,
      };
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return {
        path: 'proxy.listen',
        message: `${p.listen} is not an address of this computer. Use 127.0.0.1, or an address this machine has.`,
      };
    default:
      return { path: 'proxy.listen', message: `Cannot listen on ${where}:${p.port}: ${err.message}` };
  }
}
