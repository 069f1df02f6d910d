// electron-builder afterPack hook: flips Electron's fuses in the packaged binary so it cannot be used as a
// plain Node (RunAsNode), be steered by NODE_OPTIONS, or be debugged with --inspect; cookies are encrypted
// and the app only loads its code from the asar archive.
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** The fuses, exported so a test can check them without packaging. */
const fuses = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
};

function executablePath(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(context.appOutDir, `${name}.app`);
    case 'win32':
      return path.join(context.appOutDir, `${name}.exe`);
    default:
      return path.join(context.appOutDir, context.packager.executableName ?? name.toLowerCase());
  }
}

async function afterPack(context) {
  await flipFuses(executablePath(context), fuses);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuses = fuses;
