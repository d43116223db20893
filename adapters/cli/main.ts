import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createApiClient } from '../http/client.ts';
import { registerAuditCommands } from './audit-commands.ts';
import { registerBackOfficeCommands } from './back-office-commands.ts';
import { type Output, registerClientCommands } from './client-commands.ts';
import { demo } from './demo.ts';
import { registerProjectionCommands } from './projection-commands.ts';
import { serve } from './serve.ts';

/**
 * `oms`: the service and its tools. `npm start` is `oms serve`; `npm run oms -- <command>` runs
 * any command; `--help` works everywhere.
 */
export function buildProgram(output: Output): Command {
  const program = new Command('oms')
    .description('Event-sourced order management for Deribit and Bitget')
    .option('--url <url>', 'the running service’s API (default: OMS_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'the API token (default: OMS_API_TOKEN, or the data directory’s api-token)')
    .showHelpAfterError()
    // Errors and --help come back to `main` as exceptions (subcommands inherit it), never process.exit.
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });

  program
    .command('serve')
    .description('run the service: store, read models, venues (local simulators by default), HTTP API')
    .addHelpText(
      'after',
      '\nConfiguration comes from the environment (see README): OMS_STORE, OMS_DATA_DIR, DATABASE_URL,\n' +
        'EVENTSTORE_CONNECTION_STRING, READ_MODEL_DATABASE_URL, OMS_API_HOST/PORT/TOKEN, DERIBIT_*, BITGET_*, OMS_LOG_LEVEL.',
    )
    .action(async () => {
      const app = await serve(loadConfig(), output);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      output.err('stopping...\n');
      await app.close();
    });

  program
    .command('demo')
    .description('a tour against the running service: orders on both venues, positions, an order’s history')
    .action(async (_o, command: Command) => {
      const options = command.optsWithGlobals<{ url?: string; token?: string }>();
      const { readFileSync } = await import('node:fs');
      const token =
        options.token ??
        process.env.OMS_API_TOKEN ??
        readFileSync(`${process.env.OMS_DATA_DIR ?? '.data/oms'}/api-token`, 'utf8').trim();
      await demo(
        createApiClient({ baseUrl: options.url ?? process.env.OMS_URL ?? 'http://127.0.0.1:8080', token }),
        output,
      );
    });

  registerClientCommands(program, output);
  registerBackOfficeCommands(program, output);
  registerProjectionCommands(program, output);
  registerAuditCommands(program, output);
  return program;
}

export async function main(argv: readonly string[], io: Omit<Output, 'exit'>): Promise<number> {
  let status = 0;
  const output: Output = { ...io, exit: (code) => (status = code) };
  const program = buildProgram(output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      output.err(`${error.message}\n`);
      return 78; // EX_CONFIG
    }
    output.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
