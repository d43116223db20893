import gossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import gossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { Metadata, type ServiceError, type status } from '@grpc/grpc-js';
import type { Message } from 'google-protobuf';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import type { StoredEvent } from './log.ts';

/**
 * EventStoreDB's protocol as the client package ships it (`@eventstore/db-client/generated/`: the
 * service definitions and message classes generated from EventStoreDB's .proto files), so that the
 * stand-in and the client serialize with the very same code, plus the few conversions the services
 * share. The generated modules are CommonJS: their default import is the module itself.
 */

export { gossipGrpc, gossipPb, serverFeaturesGrpc, serverFeaturesPb, sharedPb, streamsGrpc, streamsPb };

/** Stream identifiers travel as UTF-8 bytes. */
export const streamNameOf = (identifier: { getStreamName_asU8(): Uint8Array } | undefined): string =>
  identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';

export const streamIdentifier = (name: string) =>
  new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));

/** An id as the client sent it: the string form, or two signed 64-bit halves (`structured`). */
export const uuidText = (uuid: InstanceType<typeof sharedPb.UUID> | undefined): string | undefined => {
  if (!uuid) return undefined;
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const structured = uuid.getStructured();
  if (!structured) return undefined;
  const bytes = Buffer.alloc(16);
  bytes.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  bytes.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** An id in the form the reader asked for in `uuid_option`. */
export const uuidMessage = (id: string, form: 'string' | 'structured') => {
  const uuid = new sharedPb.UUID();
  if (form === 'string') return uuid.setString(id);
  const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
  return uuid.setStructured(
    new sharedPb.UUID.Structured()
      .setMostSignificantBits(bytes.readBigInt64BE(0).toString())
      .setLeastSignificantBits(bytes.readBigInt64BE(8).toString()),
  );
};

/** A recorded event as the server writes it into `ReadResp.ReadEvent`. */
export const readEvent = (event: StoredEvent, uuidForm: 'string' | 'structured') => {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(event.id, uuidForm))
    .setStreamIdentifier(streamIdentifier(event.streamId))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.commit.toString())
    .setPreparePosition(event.position.prepare.toString())
    .setData(event.data)
    .setCustomMetadata(event.metadata);
  recorded
    .getMetadataMap()
    .set('type', event.type)
    .set('created', event.created.toString())
    .set('content-type', event.contentType);
  return new streamsPb.ReadResp().setEvent(
    new streamsPb.ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.position.commit.toString()),
  );
};

/** `google.rpc.Status` with packed details, as BatchAppend reports a failed append. */
export const rpcStatus = (code: number, message: string, details: Message, typeName: string) => {
  const packed = new anyPb.Any();
  packed.pack(details.serializeBinary(), typeName);
  return new statusPb.Status().setCode(code).setMessage(message).setDetails(packed);
};

/** An error status for a call, with EventStoreDB's `exception` trailer where it sends one. */
export const callError = (
  code: status,
  details: string,
  trailers: Record<string, string> = {},
): ServiceError => {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
};
