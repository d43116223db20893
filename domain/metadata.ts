import { z } from 'zod';

/** Where a command or an event came from: a client, a venue's report, reconciliation, or the OMS itself. */
export const SourceSchema = z.enum(['client', 'venue', 'reconciliation', 'system']);
export type Source = z.infer<typeof SourceSchema>;

/**
 * Deribit's per-response timing, in microseconds: `usIn` (server received), `usOut` (server sent),
 * `usDiff` (= usOut - usIn). Kept as latency figures on the events a reply caused.
 */
export const VenueLatencySchema = z
  .object({ usIn: z.number().int(), usOut: z.number().int(), usDiff: z.number().int() })
  .strict();
export type VenueLatency = z.infer<typeof VenueLatencySchema>;

/**
 * Metadata every command carries. Time and ids come in with the command: the domain never reads
 * a clock nor makes an id.
 */
export const CommandMetadataSchema = z
  .object({
    /** Unique id of this command (also the causation id of the events it produces). */
    commandId: z.string().min(1).max(128),
    /** Client-supplied or derived key that makes a retried command return the first result. */
    idempotencyKey: z.string().min(1).max(200).optional(),
    /** Digest of the command's payload: the same key with another payload is refused. */
    payloadDigest: z.string().min(1).max(128).optional(),
    /** Ties together everything that follows from one client request. */
    correlationId: z.string().min(1).max(128),
    /** The event or command that caused this command, if any. */
    causationId: z.string().min(1).max(128).optional(),
    /** When the OMS received or made the command. */
    recordedAt: z.iso.datetime(),
    /** When the venue says the reported thing happened (venue reports only). */
    venueTime: z.iso.datetime().optional(),
    source: SourceSchema,
    /** Who asked: the API token's name (client commands), `reconciliation`, an operator. */
    by: z.string().min(1).max(200).optional(),
    venueLatency: VenueLatencySchema.optional(),
  })
  .strict();
export type CommandMetadata = z.infer<typeof CommandMetadataSchema>;

/** Metadata stored with every event: its schema version plus the metadata of the command behind it. */
export const EventMetadataSchema = CommandMetadataSchema.extend({
  schemaVersion: z.number().int().positive(),
  /**
   * What caused the event: the client request (for a client command, its command id), the
   * request event a venue report answers, the reconciliation run, the kill-switch event.
   */
  causationId: z.string().min(1).max(128),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

/** The metadata of the events a command produces. */
export function eventMetadataFor(command: CommandMetadata, schemaVersion: number): EventMetadata {
  return {
    schemaVersion,
    commandId: command.commandId,
    ...(command.idempotencyKey !== undefined && { idempotencyKey: command.idempotencyKey }),
    ...(command.payloadDigest !== undefined && { payloadDigest: command.payloadDigest }),
    correlationId: command.correlationId,
    causationId: command.causationId ?? command.commandId,
    recordedAt: command.recordedAt,
    ...(command.venueTime !== undefined && { venueTime: command.venueTime }),
    source: command.source,
    ...(command.by !== undefined && { by: command.by }),
    ...(command.venueLatency !== undefined && { venueLatency: command.venueLatency }),
  };
}
