import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommandRunner, execRunner } from '../system/platform.js';
import { NFT_TABLE, removalScript } from './nft-rules.js';

/** Whether Veil's table is in the ruleset, and what it redirects. */
export interface RulesStatus {
  present: boolean;
  /** `destination port -> Veil port` pairs from the table's map, when present. */
  redirects: Array<{ from: number; to: number }>;
  /** The interface (gateway mode) or user (local mode) the rules apply to. */
  scope: string | null;
}

/** Runs an nftables script as one transaction (nft -f reads it from a private temporary file). */
export async function runNftScript(script: string, runner: CommandRunner = execRunner): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-nft-'));
  const file = join(dir, 'rules.nft');
  try {
    await writeFile(file, script, { mode: 0o600 });
    await runner({ file: 'nft', args: ['-f', file] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads Veil's table; `present: false` when there is none. */
export async function rulesStatus(runner: CommandRunner = execRunner): Promise<RulesStatus> {
  let text: string;
  try {
    text = await runner({ file: 'nft', args: ['list', 'table', 'inet', NFT_TABLE] });
  } catch (err) {
    // nft says "No such file or directory" for a table that does not exist
    if (/No such file or directory|does not exist/i.test((err as Error).message)) {
      return { present: false, redirects: [], scope: null };
    }
    throw err;
  }
  return parseTable(text);
}

/** Removes Veil's table and nothing else; false when it was not there. */
export async function removeRules(runner: CommandRunner = execRunner): Promise<boolean> {
  const status = await rulesStatus(runner);
  if (!status.present) return false;
  await runNftScript(removalScript(), runner);
  return true;
}

/** Reads `nft list table` output back into what it redirects. */
export function parseTable(text: string): RulesStatus {
  const redirects: Array<{ from: number; to: number }> = [];
  const elements = /map ports \{[^}]*elements = \{([^}]*)\}/s.exec(text);
  for (const m of (elements?.[1] ?? '').matchAll(/(\d+)\s*:\s*(\d+)/g)) {
    redirects.push({ from: Number(m[1]), to: Number(m[2]) });
  }
  const iif = /iifname "([^"]+)"/.exec(text);
  const user = /meta skuid "?([^"\s]+)"?/.exec(text);
  return { present: true, redirects, scope: iif ? `interface ${iif[1]}` : user ? `user ${user[1]}` : null };
}
