// The Electron fuses Veil's release builds flip (read by after-pack.cjs and asserted by a test).
// Each one closes a way to run code inside a signed, trusted Veil binary:
//   RunAsNode off            ELECTRON_RUN_AS_NODE cannot turn Veil into a general Node
//   NodeOptions off          NODE_OPTIONS cannot preload code into Veil
//   NodeCliInspect off       --inspect cannot attach a debugger to the main process
//   OnlyLoadAppFromAsar on   the app code comes from app.asar only, not a loose folder beside it
//   EmbeddedAsarIntegrity on app.asar is checked against the hash baked into the binary
const { FuseV1Options, FuseVersion } = require('@electron/fuses');

module.exports = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};
