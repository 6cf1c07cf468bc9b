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
  /** Distinct SOP instances received in this round. */
  instanceCount: number;
  /** Frames over those instances, as the session counts images. */
  frameCount: number;
  reason: 'expected-count' | 'quiet-period';
}

interface SeriesProgress {
  key: SeriesKey;
  frames: Map<string, number>;
  expectedInstances: number | null;
  timer: NodeJS.Timeout | null;
}

export class SeriesCompletion {
  private readonly series = new Map<string, SeriesProgress>();

  /**
   * @param quietMs quiet period after the last instance, ms
   * @param onComplete called once per completed round; a later instance of the same series starts a new round
   */
  constructor(
    private readonly quietMs: number,
    private readonly onComplete: (completed: CompletedSeries) => void,
  ) {}

  /** Returns true when this instance opens a new round for its series. */
  isNewRound(key: SeriesKey): boolean {
    return !this.series.has(seriesKeyText(key));
  }

  /** Records one acknowledged instance; completes the series at once when it reaches the expected count. */
  add(key: SeriesKey, sopInstanceUid: string, frameCount: number, expectedInstances: number | null): void {
    const text = seriesKeyText(key);
    let progress = this.series.get(text);
    if (progress === undefined) {
      progress = { key, frames: new Map(), expectedInstances: null, timer: null };
      this.series.set(text, progress);
    }
    progress.frames.set(sopInstanceUid, frameCount);
    if (expectedInstances !== null) progress.expectedInstances = expectedInstances;

    if (progress.timer !== null) clearTimeout(progress.timer);
    progress.timer = null;
    if (progress.expectedInstances !== null && progress.frames.size >= progress.expectedInstances) {
      this.finish(text, 'expected-count');
      return;
    }
    progress.timer = setTimeout(() => this.finish(text, 'quiet-period'), this.quietMs);
  }

  /** Series still waiting for instances or for their quiet period. */
  openCount(): number {
    return this.series.size;
  }

  /** Stops every timer without completing the open series. */
  clear(): void {
    for (const progress of this.series.values()) if (progress.timer !== null) clearTimeout(progress.timer);
    this.series.clear();
  }

  private finish(text: string, reason: CompletedSeries['reason']): void {
    const progress = this.series.get(text);
    if (progress === undefined) return;
    if (progress.timer !== null) clearTimeout(progress.timer);
    this.series.delete(text);
    let frameCount = 0;
    for (const frames of progress.frames.values()) frameCount += frames;
    this.onComplete({ ...progress.key, instanceCount: progress.frames.size, frameCount, reason });
  }
}

function seriesKeyText(key: SeriesKey): string {
  return `${key.studyInstanceUid}|${key.seriesInstanceUid}`;
}
