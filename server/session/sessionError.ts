/** An inbound event or request the session cannot apply. The session and its data stay intact. */
export class SessionError extends Error {
  constructor(
    /** Stable code, such as `ERR_EVENT_NOT_EXPECTED` or `ERR_STALE_PLAN_REVISION`. */
    readonly code: string,
    message: string,
    /** Description of what the session expects instead, for the `expected` field of an `error` reply. */
    readonly expected?: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}
