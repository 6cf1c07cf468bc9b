/**
 * Decides when a series received by C-STORE is complete, since DICOM storage has no end-of-series
 * event: at the expected instance count when the header gives one, otherwise after a quiet
 * period without new instances of that series.
 */

export interface SeriesKey {
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

export interface CompletedSeries extends SeriesKey {
  /** Distinct SOP instances received for the series so far, over every round. */
  instanceCount: number;
  /** Frames over those instances, as the session counts images. */
  frameCount: number;
  reason: 'expected-count' | 'quiet-period';
}

interface SeriesProgress {
  key: SeriesKey;
  /** Frame count by SOP Instance UID, kept after completion so a resent or late instance adds to it. */
  frames: Map<string, number>;
  expectedInstances: number | null;
  /** True from the first instance of a round until the round completes. */
  open: boolean;
  timer: NodeJS.Timeout | null;
}

/** Maximum completed series remembered for late instances. The oldest are forgotten first. */
const MAX_REMEMBERED_SERIES = 256;

export class SeriesCompletion {
  private readonly series = new Map<string, SeriesProgress>();

  /**
   * @param quietMs quiet period after the last instance, ms
   * @param onComplete called once per completed round. A later instance of the same series opens a new round.
   */
  constructor(
    private readonly quietMs: number,
    private readonly onComplete: (completed: CompletedSeries) => void,
  ) {}

  /** Returns true when an instance of this series would open a new round. */
  isNewRound(key: SeriesKey): boolean {
    return this.series.get(seriesKeyText(key))?.open !== true;
  }

  /** Records one acknowledged instance, and completes the round at once when the series reaches the expected count. */
  add(key: SeriesKey, sopInstanceUid: string, frameCount: number, expectedInstances: number | null): void {
    const text = seriesKeyText(key);
    let progress = this.series.get(text);
    if (progress === undefined) {
      progress = { key, frames: new Map(), expectedInstances: null, open: false, timer: null };
      this.series.set(text, progress);
      this.forgetOldest();
    }
    progress.open = true;
    progress.frames.set(sopInstanceUid, frameCount);
    if (expectedInstances !== null) progress.expectedInstances = expectedInstances;

    if (progress.timer !== null) clearTimeout(progress.timer);
    progress.timer = null;
    if (progress.expectedInstances !== null && progress.frames.size >= progress.expectedInstances) {
      this.finish(progress, 'expected-count');
      return;
    }
    const current = progress;
    progress.timer = setTimeout(() => this.finish(current, 'quiet-period'), this.quietMs);
  }

  /** Series with an open round: instances arrived and the round has not completed yet. */
  openCount(): number {
    let count = 0;
    for (const progress of this.series.values()) if (progress.open) count += 1;
    return count;
  }

  /** Stops every timer without completing the open rounds. */
  clear(): void {
    for (const progress of this.series.values()) if (progress.timer !== null) clearTimeout(progress.timer);
    this.series.clear();
  }

  private finish(progress: SeriesProgress, reason: CompletedSeries['reason']): void {
    if (!progress.open) return;
    if (progress.timer !== null) clearTimeout(progress.timer);
    progress.timer = null;
    progress.open = false;
    let frameCount = 0;
    for (const frames of progress.frames.values()) frameCount += frames;
    this.onComplete({ ...progress.key, instanceCount: progress.frames.size, frameCount, reason });
  }

  private forgetOldest(): void {
    if (this.series.size <= MAX_REMEMBERED_SERIES) return;
    for (const [text, progress] of this.series) {
      if (progress.open) continue;
      this.series.delete(text);
      return;
    }
  }
}

function seriesKeyText(key: SeriesKey): string {
  return `${key.studyInstanceUid}|${key.seriesInstanceUid}`;
}
