/**
 * Conversion of a segmentation result to and from its journal row: JSON for the fields and a
 * blob for the label map, so a restarted server plans and checks with the same segmentation.
 */
import type { SegmentationResult } from '../inference/types.ts';
import type { SegmentationArtifact } from './journal.ts';

export function segmentationArtifact(result: SegmentationResult): SegmentationArtifact {
  const { labelMap, ...fields } = result;
  return { seriesInstanceUid: result.seriesInstanceUid, resultJson: JSON.stringify(fields), labelMap };
}

export function restoreSegmentation(artifact: SegmentationArtifact): SegmentationResult {
  // The JSON was written by `segmentationArtifact` from a SegmentationResult, so it has every field but the label map.
  const fields = JSON.parse(artifact.resultJson) as Omit<SegmentationResult, 'labelMap'>;
  return { ...fields, labelMap: new Uint8Array(artifact.labelMap) };
}
