/**
 * The rules that select the session the console watches and the new exam it announces while a
 * pin keeps it on another session. They are pure, so they read the session list and the
 * console's current choice and return the next choice.
 */

/** One entry of `GET /v1/sessions`. */
export interface SessionSummary {
  sessionId: string;
  examId: string;
  /** The exam machine's state, `ended` for a finished exam. */
  state: string;
  updatedAt: string;
  /** False for an ended session the server no longer keeps in memory, which cannot be watched. */
  watchable: boolean;
}

/** A session the technologist chose (with the picker or `?session=` in the page address). */
export interface SessionPin {
  sessionId: string;
  /**
   * True when the pin lapses once the session ends, so the console can move on to the next
   * exam. A pin on a session that was already ended when picked stays until the next pick.
   */
  untilEnded: boolean;
}

export interface SessionSelectionInput {
  /** Open sessions newest first, then ended ones most recently ended first, as the server lists them. */
  sessions: readonly SessionSummary[];
  /** Session the console watches now, null before the first watch. */
  watchedSessionId: string | null;
  pin: SessionPin | null;
}

export interface SessionSelection {
  /** Session to watch, null while there is nothing to watch. */
  sessionId: string | null;
  /** The pin to keep for the next refresh. */
  pin: SessionPin | null;
}

/** Returns true for a session whose exam has ended. */
export function isEndedSession(session: Pick<SessionSummary, 'state'>): boolean {
  return session.state === 'ended';
}

/**
 * Chooses the session to watch. A pinned session wins. Otherwise the console keeps an open
 * session it watches, because moving away mid-exam would hide the technologist's work. It
 * switches from an ended or unlisted session to the newest open one, so that a new exam is
 * never missed. With no open session it keeps showing the ended session it watches, or else
 * shows the most recently ended session that can still be watched.
 */
export function chooseSession({ sessions, watchedSessionId, pin }: SessionSelectionInput): SessionSelection {
  const pinned = pin === null ? undefined : sessions.find((session) => session.sessionId === pin.sessionId);
  const pinLapsed = pin !== null && pin.untilEnded && pinned !== undefined && isEndedSession(pinned);
  if (pin !== null && !pinLapsed) return { sessionId: pin.sessionId, pin };

  const watchable = sessions.filter((session) => session.watchable);
  const watched = watchable.find((session) => session.sessionId === watchedSessionId);
  if (watched !== undefined && !isEndedSession(watched)) return { sessionId: watched.sessionId, pin: null };

  const newestOpen = watchable.find((session) => !isEndedSession(session));
  if (newestOpen !== undefined) return { sessionId: newestOpen.sessionId, pin: null };
  if (watched !== undefined) return { sessionId: watched.sessionId, pin: null };

  const newestEnded = watchable.find(isEndedSession);
  return { sessionId: newestEnded?.sessionId ?? watchedSessionId, pin: null };
}

export interface NewSessionNoticeInput {
  /** Open sessions newest first, then ended ones most recently ended first, as the server lists them. */
  sessions: readonly SessionSummary[];
  /** The pin `chooseSession` returned, so the pinned session is the one the console shows. */
  pin: SessionPin | null;
}

/**
 * Finds the open session to announce while the console shows a pinned session: the newest open
 * session, unless it is the pinned one. So an open session is announced when it is newer than the
 * pinned one, or when the pinned one has ended or is not listed. Returns null without a pin,
 * because `chooseSession` then moves to a new exam by itself.
 */
export function findSessionToAnnounce({ sessions, pin }: NewSessionNoticeInput): SessionSummary | null {
  if (pin === null) return null;

  // Only a watchable session can be switched to.
  const open = sessions.filter((session) => session.watchable && !isEndedSession(session));
  const newestOpen = open[0];
  if (newestOpen === undefined) return null;

  return newestOpen.sessionId === pin.sessionId ? null : newestOpen;
}
