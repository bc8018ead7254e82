// electron-builder `afterPack` hook (electron-builder.yml): flips Electron's fuses in the packed
// binary before it is signed, then reads them back and fails the build if any is not as set.
// The one place the fuses are configured; main/desktop/fuses.test.ts checks the values.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder require()s this hook: CommonJS */

const path = require('node:path');
const { flipFuses, getCurrentFuseWire, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** Fuse name (@electron/fuses FuseV1Options) -> on/off. */
const FUSE_SETTINGS = Object.freeze({
  // The binary cannot be used as a plain Node (ELECTRON_RUN_AS_NODE): no headless mode in the app.
  RunAsNode: false,
  EnableCookieEncryption: true,
  // NODE_OPTIONS and --inspect could inject code into the main process.
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  // Only the signed app.asar runs, and its integrity is checked (macOS and Windows).
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  // The UI is served by app://, file:// needs no extra privileges.
  GrantFileProtocolExtraPrivileges: false,
});

/** The FuseConfig for flipFuses; `resetAdHocDarwinSignature` re-signs an unsigned arm64 build. */
function fuseConfig(resetAdHocDarwinSignature = false) {
  const config = { version: FuseVersion.V1, resetAdHocDarwinSignature };
  for (const [name, value] of Object.entries(FUSE_SETTINGS)) {
    const index = FuseV1Options[name];
    if (typeof index !== 'number') throw new Error(`@electron/fuses does not know the fuse ${name}`);
    config[index] = value;
  }
  return config;
}

// electron-builder's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4.
const ARCH_ARM64 = 3;
const ARCH_UNIVERSAL = 4;

/** Where the Electron binary is in the packed app for this platform. */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const productFilename = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${productFilename}.exe`);
    default:
      return path.join(appOutDir, packager.executableName || productFilename);
  }
}

/** The fuses whose state in the binary differs from FUSE_SETTINGS, by name. */
async function wrongFuses(binary) {
  const wire = await getCurrentFuseWire(binary);
  const ENABLE = '1'.charCodeAt(0);
  const DISABLE = '0'.charCodeAt(0);
  const wrong = [];
  for (const [name, value] of Object.entries(FUSE_SETTINGS)) {
    const state = wire[FuseV1Options[name]];
    if (state !== (value ? ENABLE : DISABLE)) wrong.push(name);
  }
  return wrong;
}

async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const darwin = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  const resetSignature = darwin && (context.arch === ARCH_ARM64 || context.arch === ARCH_UNIVERSAL);
  await flipFuses(binary, fuseConfig(resetSignature));
  const wrong = await wrongFuses(binary);
  if (wrong.length > 0) throw new Error(`Electron fuses not set in ${binary}: ${wrong.join(', ')}`);
}

module.exports = afterPack;
module.exports.afterPack = afterPack;
module.exports.default = afterPack;
module.exports.FUSE_SETTINGS = FUSE_SETTINGS;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
module.exports.wrongFuses = wrongFuses;
