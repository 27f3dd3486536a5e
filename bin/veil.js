#!/usr/bin/env node
// The `veil` binary runs the compiled CLI; `npm install` builds it (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/proxy-core/src/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('veil: not built yet. Run `npm run build` (or `npm install`) in the Veil folder first.\n');
  process.exit(1);
}
await import(cli);
