// `npm start` runs this first: without the Electron binary, one line saying what to do instead of the
// stack trace electron's installer would print.
import { electronBinary, missingElectronMessage } from './electron-binary.mjs';

if (!electronBinary()) {
  console.error(missingElectronMessage());
  process.exit(1);
}
