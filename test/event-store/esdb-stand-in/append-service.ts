import type {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
} from '@eventstore/db-client/generated/streams_pb.js';
import {
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type { AppendOutcome, EventLog, ExpectedVersion, ProposedEvent } from './log.ts';
import {
  callError,
  rpcStatus,
  sharedPb,
  streamIdentifier,
  streamNameOf,
  streamsPb,
  uuidText,
} from './protocol.ts';

/**
 * `Streams.Append` (one client stream per append: options, then the events) and
 * `Streams.BatchAppend` (one long-lived bidirectional stream carrying many appends, each answered by
 * correlation id), as EventStoreDB's `Streams.Append.cs` and `Streams.BatchAppend.cs` answer them.
 * The 6.x client uses BatchAppend whenever the server lists it among its features.
 */

/** A fault to inject on the next append: how a real append fails without saying whether it was written. */
export interface AppendFault {
  /** `before-write`: nothing is written. `after-write`: written, but the client never hears of it. */
  readonly when: 'before-write' | 'after-write';
  /**
   * `unavailable`: the call ends with UNAVAILABLE, as when the connection is lost (on BatchAppend the
   * whole stream fails, with every append in flight on it). `timeout`: the server's write timeout
   * (BatchAppend answers that append with a `Timeout` status; Append ends with ABORTED
   * "Operation timed out", EventStoreDB's `RpcExceptions.Timeout`).
   */
  readonly kind: 'unavailable' | 'timeout';
}

export interface AppendServiceContext {
  readonly log: EventLog;
  /** Faults for the next appends, consumed in order. */
  readonly appendFaults: AppendFault[];
  /** EventStoreDB's `MaxAppendSize` (1 MiB by default): larger appends are refused, not written. */
  readonly maxAppendSize: number;
}

/** What an append weighs against `MaxAppendSize` (EventStoreDB counts each event's size on disk). */
const appendSize = (events: readonly ProposedEvent[]) =>
  events.reduce((size, e) => size + e.data.length + e.metadata.length + Buffer.byteLength(e.type, 'utf8'), 0);

const tooLarge = (maxAppendSize: number) =>
  callError(status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, {
    exception: 'maximum-append-size-exceeded',
    'maximum-append-size': String(maxAppendSize),
  });

type Proposed = NonNullable<ReturnType<AppendReq['getProposedMessage']>>;

const proposedEvent = (message: Proposed | BatchAppendReq.ProposedMessage): ProposedEvent | ServiceError => {
  const id = uuidText(message.getId());
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  // EventStoreDB refuses an event without these (RequiredMetadataPropertyMissing).
  if (!id || type === undefined || contentType === undefined) {
    return callError(
      status.INVALID_ARGUMENT,
      "Required Metadata Property 'type' or 'content-type' is missing",
      {
        exception: 'missing-required-metadata-property',
        'required-metadata-properties': 'type,content-type',
      },
    );
  }
  return { id, type, contentType, data: message.getData_asU8(), metadata: message.getCustomMetadata_asU8() };
};

const takeFault = (context: AppendServiceContext): AppendFault | undefined => context.appendFaults.shift();

const faultError = (fault: AppendFault): ServiceError =>
  fault.kind === 'timeout'
    ? callError(status.ABORTED, `Operation timed out: stand-in, ${fault.when}`)
    : callError(status.UNAVAILABLE, `stand-in: connection lost ${fault.when}`);

export const appendHandler =
  (context: AppendServiceContext) =>
  (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>): void => {
    let header: { streamId: string; expected: ExpectedVersion } | undefined;
    const events: ProposedEvent[] = [];
    let failed = false;
    const fail = (error: ServiceError) => {
      if (failed) return;
      failed = true;
      callback(error);
    };
    call.on('data', (request: AppendReq) => {
      const options = request.getOptions();
      if (options) {
        header = {
          streamId: streamNameOf(options.getStreamIdentifier()),
          expected: options.hasRevision()
            ? BigInt(options.getRevision())
            : options.hasNoStream()
              ? 'no_stream'
              : options.hasStreamExists()
                ? 'stream_exists'
                : 'any',
        };
        return;
      }
      const message = request.getProposedMessage();
      if (!header || !message) return fail(callError(status.INVALID_ARGUMENT, 'options must come first'));
      const event = proposedEvent(message);
      if (event instanceof Error) return fail(event);
      events.push(event);
    });
    call.on('end', () => {
      if (failed) return;
      if (!header) return fail(callError(status.INVALID_ARGUMENT, 'no options'));
      if (appendSize(events) > context.maxAppendSize) return fail(tooLarge(context.maxAppendSize));
      const fault = takeFault(context);
      if (!fault)
        return callback(
          null,
          appendResponse(context.log.append(header.streamId, header.expected, events), header.expected),
        );
      if (fault.when === 'after-write') context.log.append(header.streamId, header.expected, events);
      fail(faultError(fault));
    });
  };

const appendResponse = (outcome: AppendOutcome, expected: ExpectedVersion): AppendResp => {
  const response = new streamsPb.AppendResp();
  if (outcome.kind === 'wrong-expected-version') {
    const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
    if (outcome.current === 'no_stream') wrong.setCurrentNoStream(new sharedPb.Empty());
    else wrong.setCurrentRevision(outcome.current.toString());
    if (expected === 'any') wrong.setExpectedAny(new sharedPb.Empty());
    else if (expected === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
    else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
    else wrong.setExpectedRevision(expected.toString());
    return response.setWrongExpectedVersion(wrong);
  }
  const success = new streamsPb.AppendResp.Success();
  if (outcome.kind === 'empty') {
    if (outcome.current === 'no_stream') success.setNoStream(new sharedPb.Empty());
    else success.setCurrentRevision(outcome.current.toString());
    return response.setSuccess(success.setNoPosition(new sharedPb.Empty()));
  }
  return response.setSuccess(
    success
      .setCurrentRevision(outcome.currentRevision.toString())
      .setPosition(
        new streamsPb.AppendResp.Position()
          .setCommitPosition(outcome.position.commit.toString())
          .setPreparePosition(outcome.position.prepare.toString()),
      ),
  );
};

export const batchAppendHandler =
  (context: AppendServiceContext) =>
  (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void => {
    const pending = new Map<
      string,
      { streamId: string; expected: ExpectedVersion; events: ProposedEvent[] }
    >();
    let ended = false;
    const endWith = (error: ServiceError) => {
      ended = true;
      call.emit('error', error);
    };
    call.on('data', (request: BatchAppendReq) => {
      if (ended) return;
      const correlationId = request.getCorrelationId();
      const key = uuidText(correlationId) ?? '';
      const options = request.getOptions();
      if (options && !pending.has(key)) {
        pending.set(key, {
          streamId: streamNameOf(options.getStreamIdentifier()),
          expected: options.hasStreamPosition()
            ? BigInt(options.getStreamPosition())
            : options.hasNoStream()
              ? 'no_stream'
              : options.hasStreamExists()
                ? 'stream_exists'
                : 'any',
          events: [],
        });
      }
      const write = pending.get(key);
      if (!write) return;
      const reply = new streamsPb.BatchAppendResp()
        .setCorrelationId(correlationId)
        .setStreamIdentifier(streamIdentifier(write.streamId));
      for (const message of request.getProposedMessagesList()) {
        const event = proposedEvent(message);
        if (event instanceof Error) {
          pending.delete(key);
          const details = new sharedPb.BadRequest().setMessage(event.details);
          call.write(
            reply.setError(
              rpcStatus(status.INVALID_ARGUMENT, 'BadRequest', details, 'event_store.client.BadRequest'),
            ),
          );
          return;
        }
        write.events.push(event);
      }
      if (appendSize(write.events) > context.maxAppendSize) {
        pending.delete(key);
        const details = new sharedPb.MaximumAppendSizeExceeded().setMaxappendsize(context.maxAppendSize);
        call.write(
          reply.setError(
            rpcStatus(
              status.INVALID_ARGUMENT,
              'MaximumAppendSizeExceeded',
              details,
              'event_store.client.MaximumAppendSizeExceeded',
            ),
          ),
        );
        return;
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);

      const fault = takeFault(context);
      if (!fault) {
        const outcome = context.log.append(write.streamId, write.expected, write.events);
        return void call.write(batchAppendResponse(reply, outcome, write.expected));
      }
      if (fault.when === 'after-write') context.log.append(write.streamId, write.expected, write.events);
      if (fault.kind === 'timeout') {
        const timeout = new sharedPb.Timeout();
        return void call.write(
          reply.setError(
            rpcStatus(status.DEADLINE_EXCEEDED, 'Timeout', timeout, 'event_store.client.Timeout'),
          ),
        );
      }
      endWith(faultError(fault));
    });
    call.on('end', () => {
      if (!ended) call.end();
    });
  };

const batchAppendResponse = (
  reply: BatchAppendResp,
  outcome: AppendOutcome,
  expected: ExpectedVersion,
): BatchAppendResp => {
  if (outcome.kind === 'wrong-expected-version') {
    // Status.WrongExpectedVersion: ALREADY_EXISTS with the versions packed in the details.
    const details = new sharedPb.WrongExpectedVersion();
    if (outcome.current === 'no_stream') details.setCurrentNoStream(new emptyPb.Empty());
    else details.setCurrentStreamRevision(outcome.current.toString());
    if (expected === 'any') details.setExpectedAny(new emptyPb.Empty());
    else if (expected === 'no_stream') details.setExpectedNoStream(new emptyPb.Empty());
    else if (expected === 'stream_exists') details.setExpectedStreamExists(new emptyPb.Empty());
    else details.setExpectedStreamPosition(expected.toString());
    return reply.setError(
      rpcStatus(
        status.ALREADY_EXISTS,
        'WrongExpectedVersion',
        details,
        'event_store.client.WrongExpectedVersion',
      ),
    );
  }
  const success = new streamsPb.BatchAppendResp.Success();
  if (outcome.kind === 'empty') {
    if (outcome.current === 'no_stream') success.setNoStream(new emptyPb.Empty());
    else success.setCurrentRevision(outcome.current.toString());
    return reply.setSuccess(success.setNoPosition(new emptyPb.Empty()));
  }
  return reply.setSuccess(
    success
      .setCurrentRevision(outcome.currentRevision.toString())
      .setPosition(
        new sharedPb.AllStreamPosition()
          .setCommitPosition(outcome.position.commit.toString())
          .setPreparePosition(outcome.position.prepare.toString()),
      ),
  );
};
