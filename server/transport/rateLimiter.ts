/**
 * Token bucket for one connection: each message takes one token, the bucket refills at
 * `messagesPerSecond` and holds at most `burstMessages`. Pure apart from the clock it is given.
 */
export interface RateLimit {
  /** Sustained rate, messages per second. */
  messagesPerSecond: number;
  /** Messages a connection may send at once after a quiet period (bucket size). */
  burstMessages: number;
}

export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;

  constructor(
    private readonly limit: RateLimit,
    nowMs: number,
  ) {
    if (!(limit.messagesPerSecond > 0) || !Number.isFinite(limit.messagesPerSecond)) {
      throw new RangeError(`Invalid messagesPerSecond ${limit.messagesPerSecond}: use a positive finite number.`);
    }
    if (!Number.isInteger(limit.burstMessages) || limit.burstMessages < 1) {
      throw new RangeError(`Invalid burstMessages ${limit.burstMessages}: use a positive integer.`);
    }
    this.tokens = limit.burstMessages;
    this.lastRefillMs = nowMs;
  }

  /** Takes one token if there is one; returns false when the message must be dropped. */
  tryTake(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.lastRefillMs);
    this.tokens = Math.min(this.limit.burstMessages, this.tokens + (elapsedMs * this.limit.messagesPerSecond) / 1000);
    this.lastRefillMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
