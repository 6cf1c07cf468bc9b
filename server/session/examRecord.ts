/**
 * The heavy data of one exam that the machine context leaves out: decoded images by series,
 * the sorted localizer series and the full segmentation result with its label map.
 */
import type { MrImage, MrSeries } from '../dicom/types.ts';
import type { SegmentationResult } from '../inference/types.ts';

export type BuildSeries = (images: MrImage[]) => MrSeries | Promise<MrSeries>;

export class ExamRecord {
  /** Images by Series Instance UID, then by SOP Instance UID and frame, so a resent image replaces its copy. */
  private readonly imagesBySeries = new Map<string, Map<string, MrImage>>();
  private readonly sortedSeries = new Map<string, MrSeries>();
  private segmentationResult: SegmentationResult | null = null;

  addImages(images: readonly MrImage[]): void {
    for (const image of images) {
      let series = this.imagesBySeries.get(image.seriesInstanceUid);
      if (series === undefined) {
        series = new Map();
        this.imagesBySeries.set(image.seriesInstanceUid, series);
      }
      series.set(`${image.sopInstanceUid}#${image.frameNumber ?? 0}`, image);
      this.sortedSeries.delete(image.seriesInstanceUid);
    }
  }

  /** Images of one series in arrival order; empty when none arrived. */
  images(seriesInstanceUid: string): MrImage[] {
    return [...(this.imagesBySeries.get(seriesInstanceUid)?.values() ?? [])];
  }

  /** Number of images over all series. */
  totalImageCount(): number {
    let count = 0;
    for (const series of this.imagesBySeries.values()) count += series.size;
    return count;
  }

  imageCount(seriesInstanceUid: string): number {
    return this.imagesBySeries.get(seriesInstanceUid)?.size ?? 0;
  }

  /** Returns the series sorted along its normal, built once per set of images. */
  async series(seriesInstanceUid: string, buildSeries: BuildSeries): Promise<MrSeries> {
    const cached = this.sortedSeries.get(seriesInstanceUid);
    if (cached !== undefined) return cached;
    const built = await buildSeries(this.images(seriesInstanceUid));
    this.sortedSeries.set(seriesInstanceUid, built);
    return built;
  }

  get segmentation(): SegmentationResult | null {
    return this.segmentationResult;
  }

  setSegmentation(result: SegmentationResult): void {
    this.segmentationResult = result;
  }
}
