// electron-builder afterPack hook: flips the fuses in the packaged Electron binary before it is
// wrapped into AppImage/deb/dmg/nsis (and before any signing).
const path = require('node:path');
const { flipFuses } = require('@electron/fuses');
const fuses = require('./fuses.cjs');

/** Where the Electron executable sits inside the unpacked app for each platform. */
function executablePath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return path.join(appOutDir, `${name}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName);
}

module.exports = async function afterPack(context) {
  const target = executablePath(context);
  // Flipping fuses invalidates the ad-hoc signature arm64 macOS needs to launch at all; re-sign ad hoc.
  await flipFuses(target, { ...fuses, resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' });
  console.log(`  • fuses flipped  ${target}`);
};
