/** Canvas-space outlines of the planned slabs on the displayed slice, shared by drawing and hit testing. */
import { lpsToSlicePoint, slabBandOnSlice, slabCenterLineOnSlice, type SlicePlane } from '../geometry/sliceIntersection.ts';
import type { WireSlab } from '../wire.ts';
import { sliceToCanvas, type ViewTransform } from './viewTransform.ts';

export interface CanvasPoint {
  x: number;
  y: number;
}

export interface SlabShape {
  slab: WireSlab;
  /** Outline of the slab box on the slice; empty when the slab misses the slice. */
  band: CanvasPoint[];
  centerLine: { start: CanvasPoint; end: CanvasPoint } | null;
  /** The rotation handle, beyond the right-hand end of the centre line. */
  handle: CanvasPoint | null;
  /** The slab centre projected onto the slice: the pivot for rotation. */
  pivot: CanvasPoint;
}

/** Gap between the end of the centre line and the rotation handle, canvas pixels. */
export const HANDLE_OFFSET_PX = 18;

export function slabShapes(slabs: WireSlab[], slice: SlicePlane, view: ViewTransform): SlabShape[] {
  return slabs.map((slab) => {
    const band = slabBandOnSlice(slab, slice).map((point) => sliceToCanvas(view, point));
    const line = slabCenterLineOnSlice(slab, slice);
    const centerLine = line === null ? null : { start: sliceToCanvas(view, line.start), end: sliceToCanvas(view, line.end) };
    let handle: CanvasPoint | null = null;
    if (centerLine !== null) {
      const [left, right] = centerLine.start.x <= centerLine.end.x ? [centerLine.start, centerLine.end] : [centerLine.end, centerLine.start];
      const length = Math.hypot(right.x - left.x, right.y - left.y) || 1;
      handle = {
        x: right.x + ((right.x - left.x) / length) * HANDLE_OFFSET_PX,
        y: right.y + ((right.y - left.y) / length) * HANDLE_OFFSET_PX,
      };
    }
    const pivot = sliceToCanvas(view, lpsToSlicePoint(slice, slab.centerLpsMm));
    return { slab, band, centerLine, handle, pivot };
  });
}
