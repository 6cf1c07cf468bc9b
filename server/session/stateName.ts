/**
 * Names of the exam machine's states as the wire protocol and the logs show them.
 */
import type { StateValue } from 'xstate';

export type ScannerLinkState = 'connected' | 'disconnected' | 'lost';

/** Formats a state value as a dotted path, such as `planning.awaitingTechnologist`. */
export function dottedStateName(value: StateValue): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value);
  if (entries.length !== 1) {
    return entries.map(([key, child]) => `${key}:${child === undefined ? '' : dottedStateName(child)}`).join(',');
  }
  const [key, child] = entries[0];
  return child === undefined ? key : `${key}.${dottedStateName(child)}`;
}

/** Returns the dotted state of the `loop` region, which consoles show as the session state. */
export function loopStateName(value: StateValue): string {
  if (typeof value === 'string') return value;
  const loop = value.loop;
  return loop === undefined ? dottedStateName(value) : dottedStateName(loop);
}

export function scannerLinkState(value: StateValue): ScannerLinkState {
  if (typeof value === 'string') return 'connected';
  const scanner = value.scanner;
  return scanner === 'disconnected' || scanner === 'lost' ? scanner : 'connected';
}
