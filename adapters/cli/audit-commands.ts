import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { type AuditTrail, type ChainHead, ChainHeadSchema } from '../event-store/audit-trail.ts';
import type { Output } from './client-commands.ts';

/**
 * `oms audit verify` recomputes every hash chain of the store and names the first event that does
 * not match; `oms audit heads` exports each stream's head (last revision and hash) as JSON lines, to
 * keep elsewhere: `verify --heads <file>` then also catches a chain rewritten whole. Every store
 * keeps the chain (PostgreSQL and the embedded one in the database, EventStoreDB in each event's
 * metadata). Run with the service stopped on the embedded store (its data directory is locked by
 * the service).
 */
export function registerAuditCommands(program: Command, output: Output): void {
  const audit = program
    .command('audit')
    .description('the tamper-evident audit trail: verify its chains, export their heads');

  audit
    .command('verify')
    .description('recompute every chain (constant memory); exit 1 naming the first event that does not match')
    .option('--heads <file>', 'also check the heads exported earlier by `oms audit heads`')
    .option('--stream-prefix <prefix>', 'only the streams whose id starts with this')
    .action(async (options: { heads?: string; streamPrefix?: string }) => {
      await withAuditTrail(async (audit) => {
        const report = await audit.verify({
          ...(options.streamPrefix !== undefined && { streamPrefix: options.streamPrefix }),
          onProgress: (events) => output.err(`\rverified ${events} events`),
        });
        output.err('\n');
        const breach =
          report.firstBreach ??
          (options.heads ? await audit.checkHeads(readHeads(options.heads)) : undefined);
        if (breach) {
          output.out(
            `${JSON.stringify({ ok: false, streams: report.streams, events: report.events, firstBreach: breach }, null, 2)}\n`,
          );
          output.exit(1);
          return;
        }
        output.out(
          `${JSON.stringify({ ok: true, streams: report.streams, events: report.events }, null, 2)}\n`,
        );
      });
    });

  audit
    .command('heads')
    .description('export each stream’s head (revision and hash) as JSON lines, to keep somewhere else')
    .option('--out <file>', 'write to this file (default: standard output)')
    .action(async (options: { out?: string }) => {
      await withAuditTrail(async (audit) => {
        const file = options.out ? createWriteStream(options.out, { mode: 0o600 }) : undefined;
        let count = 0;
        for await (const head of audit.heads()) {
          const line = `${JSON.stringify(head)}\n`;
          if (file) {
            if (!file.write(line)) await once(file, 'drain');
          } else output.out(line);
          count += 1;
        }
        if (file) {
          file.end();
          await once(file, 'finish');
        }
        output.err(`${count} stream heads exported\n`);
      });
    });
}

async function withAuditTrail(work: (audit: AuditTrail) => Promise<void>): Promise<void> {
  const { openStore } = await import('../composition/root.ts');
  const opened = await openStore(loadConfig());
  try {
    await work(opened.audit);
  } finally {
    await opened.close();
  }
}

/** The exported heads, one JSON line at a time. */
async function* readHeads(path: string): AsyncGenerator<ChainHead> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() !== '') yield ChainHeadSchema.parse(JSON.parse(line));
  }
}
