/**
 * The `tidewire` command line: `chat`, `serve`, `user add`, `doctor`, and their `--help`.
 * @module
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError, chat } from './chat.ts';

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number, 0 or more');
  return Number(value);
}

const program = new Command()
  .name('tidewire')
  .description('Resumable streaming for AI chat: talk to a tidewire gateway, or run one.')
  .showHelpAfterError();

program
  .command('chat')
  .description('Stream an answer to the terminal (resumes by itself after dropped connections)')
  .argument('[question]', 'the question to ask')
  .option('--url <url>', 'gateway URL', process.env.TIDEWIRE_URL ?? 'http://127.0.0.1:5000')
  .option('--token <token>', 'bearer token (or TIDEWIRE_TOKEN)', process.env.TIDEWIRE_TOKEN)
  .option('--model <name>', 'model to ask (default: the gateway default)')
  .option('--conversation <id>', 'continue a conversation')
  .option('--resume <stream:seq>', 'continue a stream after event SEQ instead of asking')
  .option('--max-retries <n>', 'reconnects in a row before giving up', parseCount, 5)
  .addOption(
    new Option(
      '--transport <kind>',
      'auto: SSE, moving to the WebSocket route when SSE is blocked on the way',
    )
      .choices(['auto', 'sse', 'websocket'])
      .default('auto'),
  )
  .action(async (question: string | undefined, options) => {
    await chat(question, options);
  });

program
  .command('serve')
  .description('Start the gateway (configuration from environment variables; see the README)')
  .action(async () => {
    const { main } = await import('../main.ts');
    await main();
  });

program
  .command('user')
  .description('Manage users of the chat page')
  .command('add')
  .description('Add a user, or set a new password (read from standard input)')
  .argument('<name>', 'user name: 1 to 64 of A-Z a-z 0-9 . _ -')
  .option('--password-stdin', 'read the password from standard input (for scripts)')
  .action(async (name: string, options: { passwordStdin?: boolean }) => {
    const { userAdd } = await import('./user-add.ts');
    await userAdd(name, options);
  });

program
  .command('doctor')
  .description(
    'Check a deployed streaming endpoint (buffering, compression, Last-Event-ID, resume, HTTP/2); exit 0 healthy, 1 a problem, 2 could not check',
  )
  .argument('<url>', 'the deployment (e.g. https://chat.example.com)')
  .argument('[second]', 'another instance (or the load-balanced URL) to resume on')
  .option('--token <token>', 'bearer token (or TIDEWIRE_TOKEN)', process.env.TIDEWIRE_TOKEN)
  .option('--json', 'print the report as JSON')
  .action(async (url: string, second: string | undefined, options: { token?: string; json?: boolean }) => {
    const { runDoctor, formatDoctor, doctorExitCode } = await import('./doctor.ts');
    const report = await runDoctor(url, { token: options.token, second });
    process.stdout.write(`${options.json ? JSON.stringify(report) : formatDoctor(report)}\n`);
    process.exitCode = doctorExitCode(report);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`tidewire: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
