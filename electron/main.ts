import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import * as electron from 'electron';
import { defaultConfigDir, defaultConfigPath } from '../proxy-core/src/config-paths.js';
import { runShell } from './shell.js';

// The real module, checked here against the surface the shell (and its test stand-in) is written for.
void runShell(electron, {
  argv: process.argv,
  env: process.env,
  platform: process.platform,
  execPath: process.execPath,
  resourcesPath: process.resourcesPath,
  electronDir: import.meta.dirname,
  appRoot: join(import.meta.dirname, '..', '..'),
  configPath: defaultConfigPath(),
  configDir: defaultConfigDir(),
  spawn,
  networkInterfaces,
  onSignal: (signal, handler) => process.on(signal, handler),
});
