import { randomUUID } from 'node:crypto';
import type { ClusterInfo } from '@eventstore/db-client/generated/gossip_pb.js';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type { Empty } from '@eventstore/db-client/generated/shared_pb.js';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { appendHandler, batchAppendHandler } from './append-service.ts';
import { EventLog, type PositionLayout } from './log.ts';
import {
  gossipGrpc,
  gossipPb,
  serverFeaturesGrpc,
  serverFeaturesPb,
  streamsGrpc,
  uuidMessage,
} from './protocol.ts';
import { type DropKind, readHandler, type SubscriptionRecord } from './read-service.ts';
import { type AppendFault, createWriter } from './writer.ts';

/**
 * A gRPC server that stands in for a single EventStoreDB node in tests (see README.md here): the
 * Streams service (Read, Append, BatchAppend), ServerFeatures and Gossip, over an in-memory log, on
 * 127.0.0.1 and an ephemeral port, with controls to drop subscriptions and fail appends.
 */

export interface EsdbStandInOptions {
  /** How `$all` positions are laid out (see log.ts). Default `self-committed`, as current servers. */
  readonly positionLayout?: PositionLayout;
  /** List BatchAppend among the server's features, so that the client appends through it (21.10+). */
  readonly batchAppend?: boolean;
  /** The version ServerFeatures reports (default 26.0.0, as docker-compose.yml). Caught-up messages are sent from 23.10 on. */
  readonly serverVersion?: string;
  /**
   * Reproduce KDB-710 (servers up to 24.10.4): a filtered subscription from the start whose
   * catch-up never leaves the start sends the checkpoint (2^64-1, 2^64-1). Default: off.
   */
  readonly kdb710?: boolean;
  /** Largest append accepted, in bytes (EventStoreDB's `MaxAppendSize`, 1 MiB by default). */
  readonly maxAppendSize?: number;
  /** A write taking longer is answered with a timeout (EventStoreDB's `WriteTimeoutMs`, 2000 by default). */
  readonly writeTimeoutMs?: number;
  /**
   * How many recently written event ids the `any` idempotence check remembers (EventStoreDB keeps
   * them in a bounded cache; default 100 000 here). A retry with `any` of events it has forgotten
   * writes them again.
   */
  readonly recentIdsCapacity?: number;
}

export interface EsdbStandIn {
  /** `esdb://127.0.0.1:<port>?tls=false`: a single node, insecure, as docker-compose.yml runs it. */
  readonly connectionString: string;
  readonly port: number;
  readonly log: EventLog;
  /** Every `$all` subscription opened so far, in order. */
  readonly subscriptions: readonly SubscriptionRecord[];
  /** Ends the open subscriptions (those `which` selects) from the server's side; returns how many. */
  dropSubscriptions(how?: DropKind, which?: (subscription: SubscriptionRecord) => boolean): number;
  /** The next append fails with `fault` (connection lost before the write by default); once per call. */
  failNextAppend(fault?: Partial<AppendFault>): void;
  /** The next append's write takes `ms` (a slow disk); later appends wait behind it, in order. */
  slowNextAppend(ms: number): void;
  /**
   * A restart, as far as clients can tell: open subscriptions end (UNAVAILABLE) and the cache of
   * recent event ids is lost, so a retry with `any` of an earlier append writes it again. The log stays.
   */
  restart(): void;
  /** The next subscription is dropped (`how`) once it has sent `afterEvents` events. */
  dropNextSubscriptionAfter(afterEvents: number, how?: DropKind): void;
  close(): Promise<void>;
}

const atLeast = (version: string, major: number, minor: number) => {
  const [m = 0, n = 0] = version.split('.').map(Number);
  return m > major || (m === major && n >= minor);
};

export const startEsdbStandIn = async (options: EsdbStandInOptions = {}): Promise<EsdbStandIn> => {
  const serverVersion = options.serverVersion ?? '26.0.0';
  const log = new EventLog(options.positionLayout ?? 'self-committed', {
    recentIdsCapacity: options.recentIdsCapacity ?? 100_000,
  });
  // A fresh node's log already holds system events: the OMS must never see them.
  log.appendSystemEvent('$epoch-information', '$epoch-information', { epochNumber: 0 });
  const subscriptions: SubscriptionRecord[] = [];
  const openSubscriptions = new Map<string, (how: DropKind) => void>();
  const writer = createWriter(log, options.writeTimeoutMs ?? 2000);
  const scheduledDrops: { afterEvents: number; how: DropKind }[] = [];
  const maxAppendSize = options.maxAppendSize ?? 1_048_576;

  const server = new Server();
  server.addService(streamsGrpc.StreamsService, {
    read: readHandler({
      log,
      sendsCaughtUp: atLeast(serverVersion, 23, 10),
      kdb710: options.kdb710 ?? false,
      subscriptions,
      openSubscriptions,
      scheduledDrops,
    }),
    append: appendHandler({ writer, maxAppendSize }),
    batchAppend: batchAppendHandler({ writer, maxAppendSize }),
  });

  const method = (serviceName: string, methodName: string, features: string[] = []) =>
    new serverFeaturesPb.SupportedMethod()
      .setServiceName(serviceName)
      .setMethodName(methodName)
      .setFeaturesList(features);
  const streams = 'event_store.client.streams.streams';
  const supported = new serverFeaturesPb.SupportedMethods()
    .setEventStoreServerVersion(serverVersion)
    .setMethodsList([
      method(streams, 'read', ['position', 'events']),
      method(streams, 'append'),
      ...(options.batchAppend === false ? [] : [method(streams, 'batchappend', ['deadline_duration'])]),
      method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
      method('event_store.client.gossip.gossip', 'read'),
    ]);
  server.addService(serverFeaturesGrpc.ServerFeaturesService, {
    getSupportedMethods: (
      _call: ServerUnaryCall<Empty, SupportedMethods>,
      callback: sendUnaryData<SupportedMethods>,
    ) => callback(null, supported),
  });

  // Gossip (for `esdb+discover://` connection strings): one node, the leader, alive.
  const instanceId = randomUUID();
  let port = 0;
  server.addService(gossipGrpc.GossipService, {
    read: (_call: ServerUnaryCall<Empty, ClusterInfo>, callback: sendUnaryData<ClusterInfo>) =>
      callback(
        null,
        new gossipPb.ClusterInfo().setMembersList([
          new gossipPb.MemberInfo()
            .setInstanceId(uuidMessage(instanceId, 'string'))
            .setTimeStamp(Date.now().toString())
            .setState(gossipPb.MemberInfo.VNodeState.LEADER)
            .setIsAlive(true)
            .setHttpEndPoint(new gossipPb.EndPoint().setAddress('127.0.0.1').setPort(port)),
        ]),
      ),
  });

  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    subscriptions,
    dropSubscriptions: (how = 'unavailable', which = () => true) => {
      const chosen = subscriptions.filter((s) => s.open && which(s));
      for (const subscription of chosen) openSubscriptions.get(subscription.id)?.(how);
      return chosen.length;
    },
    dropNextSubscriptionAfter: (afterEvents, how = 'unavailable') =>
      void scheduledDrops.push({ afterEvents, how }),
    failNextAppend: (fault = {}) =>
      void writer.faults.push({ when: fault.when ?? 'before-write', kind: fault.kind ?? 'unavailable' }),
    slowNextAppend: (ms) => void writer.writeDelays.push(ms),
    restart: () => {
      for (const drop of [...openSubscriptions.values()]) drop('unavailable');
      log.forgetRecentIds();
    },
    close: async () => {
      for (const drop of [...openSubscriptions.values()]) drop('cancelled');
      server.forceShutdown();
    },
  };
};
