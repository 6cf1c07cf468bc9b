/**
 * Adjustments the console has sent or queued but the server has not yet turned into a plan
 * revision. One adjustment per slab is in flight at a time, so each request names the newest
 * revision this console has seen. Changes made meanwhile are summed and sent when the next
 * revision arrives. All functions are pure.
 */
import { combineAdjustments, isEmptyAdjustment, previewAdjustment } from '../geometry/slabAdjust.ts';
import type { SlabAdjustment, WireSlab } from '../wire.ts';

export interface InFlightAdjustment {
  messageId: string;
  planRevision: number;
  adjustment: SlabAdjustment;
}

export interface PendingAdjustments {
  inFlight: InFlightAdjustment | null;
  queued: SlabAdjustment | null;
}

export const NO_PENDING: PendingAdjustments = { inFlight: null, queued: null };

/** Decides what happens to a new local change: it is sent now, or added to the queue. */
export function addAdjustment(
  pending: PendingAdjustments,
  adjustment: SlabAdjustment,
  planRevision: number,
  nextMessageId: () => string,
): { pending: PendingAdjustments; send: InFlightAdjustment | null } {
  if (isEmptyAdjustment(adjustment)) return { pending, send: null };
  if (pending.inFlight === null) {
    const send = { messageId: nextMessageId(), planRevision, adjustment };
    return { pending: { inFlight: send, queued: null }, send };
  }
  const queued = pending.queued === null ? adjustment : combineAdjustments(pending.queued, adjustment);
  return { pending: { inFlight: pending.inFlight, queued: isEmptyAdjustment(queued) ? null : queued }, send: null };
}

/** Settles the in-flight change once a newer plan revision arrives, and sends the queue if there is one. */
export function settleOnRevision(
  pending: PendingAdjustments,
  planRevision: number,
  nextMessageId: () => string,
): { pending: PendingAdjustments; send: InFlightAdjustment | null } {
  if (pending.inFlight === null || planRevision <= pending.inFlight.planRevision) return { pending, send: null };
  if (pending.queued === null) return { pending: NO_PENDING, send: null };
  const send = { messageId: nextMessageId(), planRevision, adjustment: pending.queued };
  return { pending: { inFlight: send, queued: null }, send };
}

/**
 * Drops the in-flight change and the queue when the server rejected that change's message, or
 * reported a failed adjustment of this slab without naming the message.
 */
export function dropOnError(pending: PendingAdjustments, error: { inReplyTo?: string; field?: string; message: string }): PendingAdjustments {
  if (pending.inFlight === null) return pending;
  if (pending.inFlight.messageId === error.inReplyTo) return NO_PENDING;
  const namesThisSlab = error.inReplyTo === undefined && error.field === 'adjustment' && error.message.includes(pending.inFlight.adjustment.slabId);
  return namesThisSlab ? NO_PENDING : pending;
}

/** Drops the in-flight change and the queue when `messageId` is still unanswered, as after a timeout. */
export function dropIfStillInFlight(pending: PendingAdjustments, messageId: string): PendingAdjustments {
  return pending.inFlight?.messageId === messageId ? NO_PENDING : pending;
}

/** Returns the slab as it should look now: the server's slab with this console's unsettled changes on top. */
export function previewSlab(slab: WireSlab, pending: PendingAdjustments, shownRevision: number): WireSlab {
  let preview = slab;
  if (pending.inFlight !== null && pending.inFlight.planRevision === shownRevision) {
    preview = previewAdjustment(preview, pending.inFlight.adjustment);
  }
  if (pending.queued !== null) preview = previewAdjustment(preview, pending.queued);
  return preview;
}
