/**
 * The mapping between slice millimetres and canvas CSS pixels: the view centre in slice
 * millimetres and a scale in CSS pixels per millimetre. Working in millimetres keeps
 * non-square pixels in proportion.
 */
import type { SlicePointMm } from '../geometry/sliceIntersection.ts';

export interface ViewTransform {
  centerXMm: number;
  centerYMm: number;
  pixelsPerMm: number;
  canvasWidthPx: number;
  canvasHeightPx: number;
}

/** Share of the canvas the image fills at zoom 1, so its edges stay visible. */
const FIT_MARGIN = 0.96;

export function fitScale(
  bounds: { minXMm: number; maxXMm: number; minYMm: number; maxYMm: number },
  canvasWidthPx: number,
  canvasHeightPx: number,
): number {
  const widthMm = bounds.maxXMm - bounds.minXMm;
  const heightMm = bounds.maxYMm - bounds.minYMm;
  if (widthMm <= 0 || heightMm <= 0 || canvasWidthPx <= 0 || canvasHeightPx <= 0) return 1;
  return Math.min(canvasWidthPx / widthMm, canvasHeightPx / heightMm) * FIT_MARGIN;
}

export function sliceToCanvas(view: ViewTransform, point: SlicePointMm): { x: number; y: number } {
  return {
    x: (point.xMm - view.centerXMm) * view.pixelsPerMm + view.canvasWidthPx / 2,
    y: (point.yMm - view.centerYMm) * view.pixelsPerMm + view.canvasHeightPx / 2,
  };
}

export function canvasToSlice(view: ViewTransform, point: { x: number; y: number }): SlicePointMm {
  return {
    xMm: (point.x - view.canvasWidthPx / 2) / view.pixelsPerMm + view.centerXMm,
    yMm: (point.y - view.canvasHeightPx / 2) / view.pixelsPerMm + view.centerYMm,
  };
}

/** Distance, in canvas pixels, from a point to a segment. */
export function distanceToSegmentPx(point: { x: number; y: number }, start: { x: number; y: number }, end: { x: number; y: number }): number {
  const dx = end.x - start.x;
  const dy = end.y - start.y;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((point.x - start.x) * dx + (point.y - start.y) * dy) / lengthSquared));
  return Math.hypot(point.x - (start.x + t * dx), point.y - (start.y + t * dy));
}

/** Even-odd test of a point against a polygon, both in canvas pixels. */
export function pointInPolygon(point: { x: number; y: number }, polygon: { x: number; y: number }[]): boolean {
  let inside = false;
  for (let index = 0, previous = polygon.length - 1; index < polygon.length; previous = index, index += 1) {
    const a = polygon[index];
    const b = polygon[previous];
    const crosses = a.y > point.y !== b.y > point.y && point.x < ((b.x - a.x) * (point.y - a.y)) / (b.y - a.y) + a.x;
    if (crosses) inside = !inside;
  }
  return inside;
}
