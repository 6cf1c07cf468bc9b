/** The wire types the console uses, taken from the server's protocol module (types only, so nothing server-side is bundled). */
import type { ConsoleInbound, ConsoleOutbound, LocalizedTextWire, LocalizerImageWire } from '../../server/transport/protocol.ts';

export type { ConsoleInbound, ConsoleOutbound, LocalizedTextWire, LocalizerImageWire };

export type SessionStateMessage = Extract<ConsoleOutbound, { type: 'session.state' }>;
export type LocalizerMessage = Extract<ConsoleOutbound, { type: 'localizer' }>;
export type SegmentationMessage = Extract<ConsoleOutbound, { type: 'segmentation' }>;
export type PlanMessage = Extract<ConsoleOutbound, { type: 'plan' }>;
export type QcResultMessage = Extract<ConsoleOutbound, { type: 'qc.result' }>;
export type ErrorMessage = Extract<ConsoleOutbound, { type: 'error' }>;

export type WirePlan = PlanMessage['plan'];
export type WireSlab = WirePlan['slabs'][number];
export type WireQcResult = QcResultMessage['result'];
export type SlabAdjustment = Extract<ConsoleInbound, { type: 'slab.adjust' }>['adjustment'];

/** Console messages without the ids the socket layer fills in. */
export type ConsoleCommand =
  | Omit<Extract<ConsoleInbound, { type: 'plan.confirm' }>, 'messageId' | 'sessionId'>
  | Omit<Extract<ConsoleInbound, { type: 'slab.adjust' }>, 'messageId' | 'sessionId'>
  | Omit<Extract<ConsoleInbound, { type: 'plan.reject' }>, 'messageId' | 'sessionId'>
  | Omit<Extract<ConsoleInbound, { type: 'replan.request' }>, 'messageId' | 'sessionId'>
  | Omit<Extract<ConsoleInbound, { type: 'qc.acknowledge' }>, 'messageId' | 'sessionId'>;

export type SupportedLocale = keyof LocalizedTextWire;
