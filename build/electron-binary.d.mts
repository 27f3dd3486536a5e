/** The one command that fetches the binary into node_modules/electron. */
export const FETCH_COMMAND: string;
/** The path of the Electron executable, or null when it has not been downloaded. */
export function electronBinary(packageDir?: string | null, env?: NodeJS.ProcessEnv): string | null;
/** What `npm start` prints when the binary is missing. */
export function missingElectronMessage(): string;
