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
import type { AppendOutcome, ExpectedVersion, ProposedEvent } from './log.ts';
import {
  callError,
  rpcStatus,
  sharedPb,
  streamIdentifier,
  streamNameOf,
  streamsPb,
  uuidText,
} from './protocol.ts';
import { type AppendFault, submitWrite, type Writer } from './writer.ts';

/**
 * `Streams.Append` (one client stream per append: options, then the events) and
 * `Streams.BatchAppend` (one long-lived bidirectional stream carrying many appends, each answered by
 * correlation id), as EventStoreDB's `Streams.Append.cs` and `Streams.BatchAppend.cs` answer them.
 * The 6.x client uses BatchAppend whenever the server lists it among its features.
 */

export interface AppendServiceContext {
  readonly writer: Writer;
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

/** How the Append RPC ends on a fault (BatchAppend answers timeouts, not-ready and busy per append). */
const faultError = (fault: AppendFault): ServiceError => {
  switch (fault.kind) {
    case 'timeout':
      return timedOut();
    case 'unavailable':
      return callError(status.UNAVAILABLE, `stand-in: connection lost ${fault.when}`);
    // RpcExceptions.ServerNotReady / ServerTooBusy
    case 'not-ready':
      return callError(status.UNAVAILABLE, 'Server Is Not Ready');
    case 'busy':
      return callError(status.UNAVAILABLE, 'Server Is Busy');
  }
};

/** EventStoreDB's `RpcExceptions.Timeout`: what the Append RPC ends with when the write timed out. */
const timedOut = () => callError(status.ABORTED, 'Operation timed out');

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
      const write = { ...header, events, deadline: finiteDeadline(call.getDeadline()) };
      submitWrite(context.writer, write, (answer) => {
        // The client gave up (its deadline): the write went on, the answer goes nowhere.
        if (call.cancelled) return;
        switch (answer.kind) {
          case 'written':
            return callback(null, appendResponse(answer.outcome, write.expected));
          case 'fault':
            return fail(faultError(answer.fault));
          case 'timed-out':
            return fail(timedOut());
        }
      });
    });
  };

/** A call's deadline as a date, when it has one. */
const finiteDeadline = (deadline: Date | number): Date | undefined =>
  deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined;

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
      { streamId: string; expected: ExpectedVersion; events: ProposedEvent[]; deadline: Date | undefined }
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
          deadline: options.getDeadline()?.toDate(),
        });
      }
      const write = pending.get(key);
      if (!write) return;
      const reply = new streamsPb.BatchAppendResp()
        .setCorrelationId(correlationId)
        .setStreamIdentifier(streamIdentifier(write.streamId));
      // The deadline guards the request until its last piece is in (Streams.BatchAppend.cs); the
      // write itself is then bounded by the server's write timeout only.
      if (write.deadline && write.deadline.getTime() <= Date.now()) {
        pending.delete(key);
        return void call.write(reply.setError(timeoutStatus()));
      }
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

      submitWrite(context.writer, { ...write, deadline: undefined }, (answer) => {
        if (ended) return;
        switch (answer.kind) {
          case 'written':
            return void call.write(batchAppendResponse(reply, answer.outcome, write.expected));
          case 'timed-out':
            return void call.write(reply.setError(timeoutStatus()));
          case 'fault':
            switch (answer.fault.kind) {
              case 'timeout':
                return void call.write(reply.setError(timeoutStatus()));
              case 'unavailable':
                return endWith(faultError(answer.fault));
              // NotHandled: a status with empty details and the reason as its message.
              case 'not-ready':
                return void call.write(reply.setError(notHandled('Server Is Not Ready')));
              case 'busy':
                return void call.write(reply.setError(notHandled('Server Is Busy')));
            }
        }
      });
    });
    call.on('end', () => {
      if (!ended) call.end();
    });
  };

/** Status.Timeout: DEADLINE_EXCEEDED with a packed `Timeout`. */
const timeoutStatus = () =>
  rpcStatus(status.DEADLINE_EXCEEDED, 'Timeout', new sharedPb.Timeout(), 'event_store.client.Timeout');

/** How BatchAppend answers NotHandled (NotReady, TooBusy): no code, an empty `google.protobuf.Empty`. */
const notHandled = (message: string) =>
  rpcStatus(status.OK, message, new emptyPb.Empty(), 'google.protobuf.Empty');

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
