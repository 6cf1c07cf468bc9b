/**
 * The DICOM Storage SCP: accepts associations from allowed calling AE titles, responds to C-ECHO,
 * and passes each C-STORE dataset to `DicomIngest`, replying with the status it returns.
 * It listens on its own TCP server, because dcmjs-dimse's `Server.listen` (0.3) binds every
 * interface and the listener must honour `host`.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';

import dimse from 'dcmjs-dimse';

import type { Logger } from '../../log.ts';
import type { SessionHub } from '../../session/hub.ts';
import { SessionError } from '../../session/sessionError.ts';
import { DicomIngest, STORE_STATUS, type StoreOutcome } from './dicomIngest.ts';
import { DEFAULT_DICOM_LISTENER_OPTIONS, type DicomListenerOptions } from './listenerOptions.ts';
import { InstanceHeaderError, readInstanceHeader, wrapAsPart10 } from './part10.ts';
import { isCallingAeAllowed, negotiatePresentationContext } from './presentationContexts.ts';

const { Scp, Dataset, constants, responses } = dimse;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, Status } = constants;
const { CEchoResponse, CStoreResponse } = responses;

// dcmjs-dimse logs every PDU to the console through loglevel. This listener logs through pino instead.
dimse.log.setLevel('silent');

type DimseAssociation = Parameters<InstanceType<typeof dimse.Scp>['associationRequested']>[0];
type DimsePresentationContext = Parameters<InstanceType<typeof dimse.Scp>['createStoreWritableStream']>[0];
type DimseStoreRequest = Parameters<InstanceType<typeof dimse.Scp>['cStoreRequest']>[0];
type DimseEchoRequest = Parameters<InstanceType<typeof dimse.Scp>['cEchoRequest']>[0];
type DimseDataset = InstanceType<typeof dimse.Dataset>;

export interface StartDicomListenerOptions extends Partial<Omit<DicomListenerOptions, 'port'>> {
  port: number;
  hub: SessionHub;
  logger: Logger;
  /** Protocol named in `exam.started` for exams the listener starts. Default `default`. */
  protocol?: string;
}

export interface RunningDicomListener {
  port: number;
  /** Stops accepting associations, closes open ones and waits for instances being stored. */
  close(): Promise<void>;
}

/** Longest Error Comment (0000,0902) value, an LO of 64 characters. */
const MAX_ERROR_COMMENT_LENGTH = 64;

/** Dataset bytes collected for one C-STORE up to a limit. Bytes past the limit are dropped and flagged. */
class InstanceBuffer extends Writable {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  exceeded = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) {
      this.exceeded = true;
      this.chunks.length = 0;
    } else {
      this.chunks.push(chunk);
    }
    callback();
  }

  get byteCount(): number {
    return this.received;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

interface ListenerContext {
  options: Omit<DicomListenerOptions, 'port'>;
  ingest: DicomIngest;
  log: Logger;
  /** Storage SCP instances whose association was accepted and whose connection is open. */
  activeAssociations: Set<object>;
}

/** Starts the Storage SCP on `options.host` (default 127.0.0.1). */
export async function startDicomListener(options: StartDicomListenerOptions): Promise<RunningDicomListener> {
  const settings: Omit<DicomListenerOptions, 'port'> = { ...DEFAULT_DICOM_LISTENER_OPTIONS, ...definedOnly(options) };
  const log = options.logger.child({ component: 'dicom', aeTitle: settings.aeTitle });
  const ingest = new DicomIngest({
    hub: options.hub,
    logger: log,
    routing: settings.routing,
    startExams: settings.startExams,
    seriesQuietMs: settings.seriesQuietMs,
    protocol: options.protocol,
  });
  const context: ListenerContext = { options: settings, ingest, log, activeAssociations: new Set() };
  const ScpClass = createScpClass(context);

  const server: NetServer = createServer((socket) => {
    const scp = new ScpClass(socket, {});
    // dcmjs-dimse 0.3 starts its association and PDU timers only for sockets it connects itself,
    // so the listener times server-side sockets with Node's idle timeout: first the association
    // timeout, then, once the association is requested, the idle timeout.
    socket.setTimeout(settings.associationTimeoutMs);
    let timedOut = false;
    // Prepended, because dcmjs-dimse's own timeout handler reports a network error before it returns.
    socket.prependListener('timeout', () => {
      timedOut = true;
      const limit = scp.hasAssociation() ? { idleTimeoutMs: settings.idleTimeoutMs } : { associationTimeoutMs: settings.associationTimeoutMs };
      log.warn({ ...limit, remoteAddress: socket.remoteAddress }, 'DICOM connection timed out and was closed');
    });
    scp.on('networkError', (error: unknown) => {
      if (!timedOut) log.warn({ err: error, remoteAddress: socket.remoteAddress }, 'DICOM association failed');
      socket.destroy();
    });
    scp.on('close', () => context.activeAssociations.delete(scp));
  });

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'DICOM listener error'));

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  if (settings.allowedCallingAeTitles.length === 0) {
    log.warn('no --allow-calling-ae list: any calling AE title may store images');
  }
  log.info({ host: settings.host, port, routing: settings.routing }, 'DICOM listener started');

  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await ingest.close();
      log.info('DICOM listener stopped');
    },
  };
}

function createScpClass(context: ListenerContext) {
  const { options, ingest, log } = context;

  return class StorageScp extends Scp {
    private association: DimseAssociation | undefined;
    private readonly connection: Socket;
    private instance: InstanceBuffer | null = null;
    private instanceTransferSyntaxUid: string | undefined;

    constructor(socket: Socket, scpOptions: ConstructorParameters<typeof Scp>[1]) {
      super(socket, scpOptions);
      this.connection = socket;
    }

    hasAssociation(): boolean {
      return this.association !== undefined;
    }

    override associationRequested(association: DimseAssociation): void {
      this.association = association;
      this.connection.setTimeout(options.idleTimeoutMs);
      const callingAeTitle = association.getCallingAeTitle().trim();
      const calledAeTitle = association.getCalledAeTitle().trim();

      if (calledAeTitle !== options.aeTitle) {
        log.warn({ callingAeTitle, calledAeTitle }, 'association rejected: called AE title is not this listener');
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      if (!isCallingAeAllowed(callingAeTitle, options.allowedCallingAeTitles)) {
        log.warn({ callingAeTitle }, 'association rejected: calling AE title is not in --allow-calling-ae');
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        return;
      }
      if (context.activeAssociations.size >= options.maxConcurrentAssociations) {
        log.warn({ callingAeTitle, maxConcurrentAssociations: options.maxConcurrentAssociations }, 'association rejected: too many open associations');
        this.sendAssociationReject(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded);
        return;
      }
      context.activeAssociations.add(this);

      const rejected: string[] = [];
      for (const { context: presentation } of association.getPresentationContexts()) {
        const decision = negotiatePresentationContext(presentation.getAbstractSyntaxUid(), presentation.getTransferSyntaxUids());
        if (decision.result === 'accept') {
          presentation.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
          continue;
        }
        const reason =
          decision.result === 'reject-abstract-syntax'
            ? PresentationContextResult.RejectAbstractSyntaxNotSupported
            : PresentationContextResult.RejectTransferSyntaxesNotSupported;
        presentation.setResult(reason);
        rejected.push(`${presentation.getAbstractSyntaxUid()} (${decision.result})`);
      }
      // Senders such as storescu propose every storage class, so only a sample of the rejections is logged.
      if (rejected.length > 0) log.info({ callingAeTitle, rejectedCount: rejected.length, rejected: rejected.slice(0, 8) }, 'presentation contexts rejected');
      // NOTE: the announced maximum PDU length limits what a sender sends, but a larger PDU is not rejected.
      association.setMaxPduLength(options.maxPduBytes);
      log.info({ callingAeTitle }, 'association accepted');
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(request: DimseEchoRequest, callback: (response: InstanceType<typeof CEchoResponse>) => void): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(): Writable {
      this.instance = new InstanceBuffer(options.maxInstanceBytes);
      return this.instance;
    }

    override createDatasetFromStoreWritableStream(_writable: Writable, accepted: DimsePresentationContext, callback: (dataset: DimseDataset) => void): void {
      // The bytes stay in `this.instance`, because dcmjs-dimse only needs a dataset object to pass on.
      this.instanceTransferSyntaxUid = accepted.getAcceptedTransferSyntaxUid();
      callback(new Dataset({}, this.instanceTransferSyntaxUid));
    }

    override cStoreRequest(request: DimseStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void): void {
      const receivedAtMs = Date.now();
      const instance = this.instance;
      this.instance = null;
      const callingAeTitle = this.association?.getCallingAeTitle().trim() ?? '';
      const sopInstanceUid = request.getAffectedSopInstanceUid();
      const reply = (outcome: StoreOutcome): void => {
        const response = CStoreResponse.fromRequest(request);
        response.setStatus(outcome.status);
        if (outcome.errorComment !== null) {
          response.setErrorComment(outcome.errorComment.slice(0, MAX_ERROR_COMMENT_LENGTH));
          log.warn({ sopInstanceUid, callingAeTitle, examId: outcome.examId, code: outcome.code, status: outcome.status, reason: outcome.errorComment }, 'instance rejected');
        }
        callback(response);
      };

      if (instance === null) {
        reply({ status: STORE_STATUS.processingFailure, errorComment: 'no dataset arrived with the C-STORE request', code: 'ERR_MISSING_DATASET', examId: null });
        return;
      }
      if (instance.exceeded) {
        const message = `instance of ${instance.byteCount} bytes exceeds --dicom-max-instance-bytes ${options.maxInstanceBytes}`;
        reply({ status: STORE_STATUS.outOfResources, errorComment: message, code: 'ERR_INSTANCE_TOO_LARGE', examId: null });
        return;
      }

      const transferSyntaxUid = this.instanceTransferSyntaxUid;
      this.instanceTransferSyntaxUid = undefined;
      void this.store(instance.bytes(), request, transferSyntaxUid, callingAeTitle, receivedAtMs).then(reply);
    }

    private async store(dataset: Uint8Array, request: DimseStoreRequest, transferSyntaxUid: string | undefined, callingAeTitle: string, receivedAtMs: number): Promise<StoreOutcome> {
      const sopInstanceUid = request.getAffectedSopInstanceUid();
      if (transferSyntaxUid === undefined) {
        return { status: STORE_STATUS.processingFailure, errorComment: 'no accepted presentation context for this C-STORE', code: 'ERR_NO_PRESENTATION_CONTEXT', examId: null };
      }
      try {
        const part10 = wrapAsPart10(dataset, { sopClassUid: request.getAffectedSopClassUid(), sopInstanceUid, transferSyntaxUid });
        const header = readInstanceHeader(part10);
        return await ingest.storeInstance(part10, header, callingAeTitle, receivedAtMs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof InstanceHeaderError) return { status: STORE_STATUS.cannotUnderstand, errorComment: message, code: error.code, examId: null };
        if (error instanceof SessionError && error.code === 'ERR_HUB_CLOSED') {
          return { status: STORE_STATUS.outOfResources, errorComment: 'the server is shutting down; send again later', code: error.code, examId: null };
        }
        log.error({ err: error, sopInstanceUid, callingAeTitle }, 'instance could not be stored');
        return { status: STORE_STATUS.processingFailure, errorComment: `the instance could not be stored: ${message}`, code: 'ERR_STORE_FAILED', examId: null };
      }
    }
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
