/**
 * `tidewire user add NAME`: adds a user of the chat page (or sets a new password), in the
 * database named by `DATABASE_URL`. The password comes from standard input: typed without
 * echo in a terminal, or piped (`--password-stdin`).
 * @module
 */
import { createInterface } from 'node:readline';
import { UserStore } from '../auth/users.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { CliError } from './chat.ts';

async function readPassword(fromPipe: boolean): Promise<string> {
  if (fromPipe || !process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  // The interface first: it turns the terminal's own echo off, so nothing typed after the
  // prompt appears (readline's echo is muted below).
  const rl = createInterface({ input: process.stdin, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  muted._writeToOutput = () => {};
  process.stderr.write('Password: ');
  try {
    return await new Promise<string>((resolve, reject) => {
      // In raw mode Ctrl-C reaches readline, not the process.
      rl.on('SIGINT', () => reject(new CliError('cancelled')));
      rl.question('', resolve);
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

export async function userAdd(name: string, options: { passwordStdin?: boolean }): Promise<void> {
  const config = loadConfig();
  const password = await readPassword(options.passwordStdin === true);
  const db = await openDatabase(config.DATABASE_URL);
  try {
    await new UserStore(db).add(name, password);
  } catch (error) {
    throw new CliError((error as Error).message);
  } finally {
    await db.destroy();
  }
  process.stderr.write(`user ${name} saved; auth is on for the chat page and the API\n`);
}
