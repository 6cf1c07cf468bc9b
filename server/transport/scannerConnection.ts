/**
 * One scanner adapter on `/v1/scanner`. JSON text frames with exam events and binary frames
 * with DICOM Part 10 images go to the hub. The hub's replies go back to the adapter, and so do
 * the plans to apply for the exams this connection drives.
 */
import type { Subscription } from 'rxjs';

import type { EventOrigin, SessionHub } from '../session/hub.ts';
import { Connection, type ConnectionParams } from './connection.ts';
import { protocolError, TRANSPORT_ERROR_CODES } from './errors.ts';
import { scannerInbound, type ScannerOutbound } from './protocol.ts';
import { parseInboundText } from './validation.ts';

/** Part 10 files start with a 128-byte preamble followed by the ASCII prefix `DICM`. */
const DICOM_PREFIX_OFFSET = 128;
const DICOM_PREFIX = Buffer.from('DICM', 'ascii');

/** Routing table from exam id to the scanner connection that receives its plans: the latest one that sent an accepted message for the exam. */
export class ExamRoutes {
  private readonly owners = new Map<string, ScannerConnection>();

  claim(examId: string, connection: ScannerConnection): void {
    const previous = this.owners.get(examId);
    if (previous === connection) return;
    previous?.unfollowExam(examId);
    this.owners.set(examId, connection);
    connection.followExam(examId);
  }

  release(examId: string, connection: ScannerConnection): void {
    if (this.owners.get(examId) !== connection) return;
    this.owners.delete(examId);
    connection.unfollowExam(examId);
  }

  releaseAll(connection: ScannerConnection): void {
    for (const [examId, owner] of this.owners) {
      if (owner === connection) this.owners.delete(examId);
    }
  }
}

export class ScannerConnection extends Connection {
  private readonly followed = new Map<string, Subscription>();

  constructor(
    params: ConnectionParams,
    private readonly hub: SessionHub,
    private readonly routes: ExamRoutes,
  ) {
    super(params);
  }

  protected async handleFrame(bytes: Buffer, isBinary: boolean, origin: EventOrigin): Promise<void> {
    if (isBinary) {
      await this.handleImage(bytes, origin);
      return;
    }

    const parsed = parseInboundText(bytes.toString('utf8'), scannerInbound, 'scanner');
    if (!parsed.ok) {
      this.reject(parsed.error);
      return;
    }

    const message = parsed.message;
    let replies: ScannerOutbound[];
    try {
      replies = await this.hub.handleScannerMessage(message, origin);
    } catch (error) {
      this.failInternally(error, message.messageId, `${message.type} message ${message.messageId}`);
      return;
    }
    this.sendReplies(replies);

    const accepted = !replies.some((reply) => reply.type === 'error');
    if (!accepted) return;
    if (message.type === 'exam.ended') this.routes.release(message.examId, this);
    else this.routes.claim(message.examId, this);
  }

  private async handleImage(bytes: Buffer, origin: EventOrigin): Promise<void> {
    const hasPrefix =
      bytes.byteLength >= DICOM_PREFIX_OFFSET + DICOM_PREFIX.byteLength &&
      bytes.subarray(DICOM_PREFIX_OFFSET, DICOM_PREFIX_OFFSET + DICOM_PREFIX.byteLength).equals(DICOM_PREFIX);
    if (!hasPrefix) {
      this.reject(
        protocolError(
          TRANSPORT_ERROR_CODES.notDicomPart10,
          `Binary frame of ${bytes.byteLength} bytes is not a DICOM Part 10 file: "DICM" is missing at byte offset 128. ` +
            'Send the whole file, with its 128-byte preamble and file meta information, as one binary frame.',
          { expected: 'DICOM Part 10 bytes' },
        ),
      );
      return;
    }

    let replies: ScannerOutbound[];
    try {
      replies = await this.hub.handleScannerImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), origin);
    } catch (error) {
      this.failInternally(error, undefined, `an image of ${bytes.byteLength} bytes`);
      return;
    }
    this.sendReplies(replies);
  }

  private sendReplies(replies: ScannerOutbound[]): void {
    for (const reply of replies) {
      if (reply.type === 'error') this.reject(reply);
      else this.sendJson(reply);
    }
  }

  /** Starts forwarding the hub's messages for `examId` (plans to apply) to this scanner. */
  followExam(examId: string): void {
    if (this.followed.has(examId)) return;
    const subscription = this.hub.scannerMessages(examId).subscribe({
      next: (message) => this.sendJson(message),
      error: (error: unknown) => this.log.error({ err: error, examId }, 'scanner message stream failed'),
    });
    this.followed.set(examId, subscription);
    this.log.info({ examId }, 'following exam');
  }

  unfollowExam(examId: string): void {
    this.followed.get(examId)?.unsubscribe();
    this.followed.delete(examId);
  }

  protected release(): void {
    for (const subscription of this.followed.values()) subscription.unsubscribe();
    this.followed.clear();
    this.routes.releaseAll(this);
    const origin: EventOrigin = { connectionId: this.connectionId, user: this.user, receivedAtMs: Date.now() };
    try {
      this.hub.scannerDisconnected(origin);
    } catch (error) {
      this.log.error({ err: error }, 'hub failed to handle the scanner disconnect');
    }
  }
}
