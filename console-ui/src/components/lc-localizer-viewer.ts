/**
 * The sagittal localizer on a canvas: window/level, zoom, pan and slice scrolling, the
 * segmentation overlay with level names, and each planned slab where it cuts the shown slice.
 * Slabs are selected and adjusted here by mouse, touch or keyboard; each finished gesture
 * fires one `slab-adjust` event. Redraws wait for the next animation frame.
 */
import { LitElement, css, html } from 'lit';

import { angleBetweenOnSliceDeg, dragToAdjustment, isEmptyAdjustment, keyToAdjustment, previewAdjustment, rotationToAdjustment, type KeyboardAdjustKey } from '../geometry/slabAdjust.ts';
import { sliceBoundsMm, type SlicePlane } from '../geometry/sliceIntersection.ts';
import { LocaleController, translate } from '../i18n/locale.ts';
import { applyWindow, decodeLabelMap, decodeLocalizerPixels, labelCentresOnSlice, paintLabelSlice, type LabelPlacement } from '../viewer/pixels.ts';
import { slabShapes, type CanvasPoint, type SlabShape } from '../viewer/slabShapes.ts';
import { canvasToSlice, distanceToSegmentPx, fitScale, pointInPolygon, type ViewTransform } from '../viewer/viewTransform.ts';
import type { LocalizerMessage, SegmentationMessage, SlabAdjustment, WireQcResult, WireSlab } from '../wire.ts';
import { sharedStyles } from './sharedStyles.ts';
import { slabSummary } from './slabSummary.ts';

/** Grab distance: the largest pointer distance, in CSS pixels, at which a line or handle is picked. */
const GRAB_DISTANCE_PX = 10;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 8;

type Gesture =
  | { kind: 'move-slab'; pointerId: number; slab: WireSlab; startPx: CanvasPoint; adjustment: SlabAdjustment | null }
  | { kind: 'rotate-slab'; pointerId: number; slab: WireSlab; pivotPx: CanvasPoint; startPx: CanvasPoint; adjustment: SlabAdjustment | null }
  | { kind: 'pan'; pointerId: number; startPx: CanvasPoint; startCenterXMm: number; startCenterYMm: number }
  | { kind: 'window'; pointerId: number; startPx: CanvasPoint; startCenter: number; startWidth: number };

type QcVerdict = WireQcResult['verdict'];

/** Mark and colour before a slab's name on the localizer for its QC verdict; a slab without a result has no mark. */
export const QC_MARKS: Record<QcVerdict, { mark: string; colour: string }> = {
  pass: { mark: '✓', colour: '#3ecf7a' },
  warn: { mark: '!', colour: '#ffb020' },
  fail: { mark: '✕', colour: '#ff5a5f' },
};

const VERDICT_KEYS = { pass: 'qc.verdict.pass', warn: 'qc.verdict.warn', fail: 'qc.verdict.fail' } as const;

/** Returns a point just inside the top-left corner of a band's bounding box, for its name. */
function bandTopLeft(band: CanvasPoint[]): CanvasPoint {
  return { x: Math.min(...band.map((point) => point.x)) + 8, y: Math.min(...band.map((point) => point.y)) + 14 };
}

export interface SlabAdjustEventDetail {
  adjustment: SlabAdjustment;
}

export class LcLocalizerViewer extends LitElement {
  static override properties = {
    localizer: { attribute: false },
    segmentation: { attribute: false },
    slabs: { attribute: false },
    confirmedSlabIds: { attribute: false },
    qcResults: { attribute: false },
    adjustable: { attribute: false },
    selectedSlabId: { attribute: false },
    sliceIndex: { state: true },
    zoom: { state: true },
    windowCenter: { state: true },
    windowWidth: { state: true },
    overlayVisible: { state: true },
    overlayOpacity: { state: true },
    payloadError: { state: true },
    windowDragMode: { state: true },
  };

  declare localizer: LocalizerMessage | null;
  declare segmentation: SegmentationMessage | null;
  /** Slabs as they should look now, local previews included. */
  declare slabs: WireSlab[];
  declare confirmedSlabIds: string[];
  /** Latest QC result per slab id; its verdict marks the slab's name. */
  declare qcResults: Record<string, WireQcResult>;
  /** False when the server accepts no adjustment, so drags and keys select slabs but do not move them. */
  declare adjustable: boolean;
  declare selectedSlabId: string | null;
  declare sliceIndex: number;
  declare zoom: number;
  declare windowCenter: number;
  declare windowWidth: number;
  declare overlayVisible: boolean;
  declare overlayOpacity: number;
  declare payloadError: string | null;
  /** When on, a drag on the background sets window and level instead of panning (for touch screens without Ctrl). */
  declare windowDragMode: boolean;

  private readonly locale = new LocaleController(this);
  private canvas: HTMLCanvasElement | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private frameRequest: number | null = null;
  private canvasWidthPx = 0;
  private canvasHeightPx = 0;
  private centerXMm = 0;
  private centerYMm = 0;
  private gesture: Gesture | null = null;

  // Caches keyed by what they were built from, so a redraw only redoes what changed.
  private decodedFor: LocalizerMessage | null = null;
  private decodedSlices: (Int16Array | Uint16Array)[] = [];
  private labelsFor: SegmentationMessage | null = null;
  private labels: Uint8Array | null = null;
  private imageCanvas: HTMLCanvasElement | null = null;
  private imageCanvasKey = '';
  private overlayCanvas: HTMLCanvasElement | null = null;
  private overlayCanvasKey = '';
  private labelCentres = new Map<string, Map<number, LabelPlacement>>();

  constructor() {
    super();
    this.localizer = null;
    this.segmentation = null;
    this.slabs = [];
    this.confirmedSlabIds = [];
    this.qcResults = {};
    this.adjustable = true;
    this.selectedSlabId = null;
    this.sliceIndex = 0;
    this.zoom = 1;
    this.windowCenter = 0;
    this.windowWidth = 1;
    this.overlayVisible = true;
    this.overlayOpacity = 0.35;
    this.payloadError = null;
    this.windowDragMode = false;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        background: #000;
        border-radius: 8px;
        overflow: hidden;
        border: 1px solid var(--lc-border);
      }
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 0.9rem;
        padding: 0.4rem 0.6rem;
        background: var(--lc-panel);
        border-bottom: 1px solid var(--lc-border);
        min-height: 3.2rem;
      }
      .toolbar label {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        white-space: nowrap;
      }
      /* Buttons that belong together, such as zoom out and zoom in, wrap as one. */
      .group {
        display: inline-flex;
        gap: 0.4rem;
        white-space: nowrap;
      }
      .readout {
        min-width: 7.5rem;
        color: var(--lc-muted);
        white-space: nowrap;
      }
      .stage {
        position: relative;
        flex: 1;
        min-height: 0;
      }
      canvas {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        touch-action: none;
        cursor: crosshair;
      }
      .empty {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
        color: var(--lc-muted);
        font-size: 1.2rem;
        pointer-events: none;
      }
      details {
        color: var(--lc-muted);
        font-size: 0.9rem;
      }
      details ul {
        margin: 0.3rem 0 0;
        padding-left: 1.2rem;
      }
      .shortcuts {
        position: absolute;
        right: 0.5rem;
        bottom: 0.5rem;
        max-width: min(36rem, 90%);
        background: rgba(15, 20, 25, 0.92);
        padding: 0.4rem 0.7rem;
        border-radius: 6px;
        border: 1px solid var(--lc-border);
      }
      button[aria-pressed='true'] {
        background: var(--lc-accent);
        color: #001526;
      }
      input[type='range'] {
        min-height: auto;
        width: 7rem;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => this.measureCanvas());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    if (this.frameRequest !== null) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = null;
  }

  override firstUpdated(): void {
    this.canvas = this.renderRoot.querySelector('canvas');
    if (this.canvas !== null) this.resizeObserver?.observe(this.canvas);
    this.measureCanvas();
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('localizer') && this.localizer !== this.decodedFor) this.loadLocalizer();
    if (changed.has('segmentation') && this.segmentation !== this.labelsFor) this.loadSegmentation();
  }

  override updated(): void {
    this.scheduleDraw();
  }

  /** Current slice geometry, or null before a localizer arrives. */
  get currentSlice(): SlicePlane | null {
    const image = this.localizer?.images[this.sliceIndex];
    return image ?? null;
  }

  /** Millimetres per CSS pixel at the current zoom, exposed for tests and the status readout. */
  get millimetresPerPixel(): number {
    return 1 / this.viewTransform().pixelsPerMm;
  }

  private loadLocalizer(): void {
    this.decodedFor = this.localizer;
    this.decodedSlices = [];
    this.imageCanvasKey = '';
    this.payloadError = null;
    if (this.localizer === null || this.localizer.images.length === 0) return;
    try {
      this.decodedSlices = this.localizer.images.map((image) => decodeLocalizerPixels(image));
    } catch (error) {
      this.payloadError = error instanceof Error ? error.message : String(error);
      this.decodedSlices = [];
      return;
    }
    const middle = Math.floor(this.localizer.images.length / 2);
    this.sliceIndex = middle;
    this.windowCenter = this.localizer.images[middle].windowCenter;
    this.windowWidth = this.localizer.images[middle].windowWidth;
    this.resetView();
  }

  private loadSegmentation(): void {
    this.labelsFor = this.segmentation;
    this.labels = null;
    this.overlayCanvasKey = '';
    this.labelCentres.clear();
    if (this.segmentation === null) return;
    try {
      this.labels = decodeLabelMap(this.segmentation.labelMapBase64, this.segmentation.dims);
    } catch (error) {
      this.payloadError = error instanceof Error ? error.message : String(error);
    }
  }

  private measureCanvas(): void {
    if (this.canvas === null) return;
    const rect = this.canvas.getBoundingClientRect();
    const widthPx = rect.width;
    const heightPx = rect.height;
    if (widthPx === this.canvasWidthPx && heightPx === this.canvasHeightPx) return;
    this.canvasWidthPx = widthPx;
    this.canvasHeightPx = heightPx;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(widthPx * ratio));
    this.canvas.height = Math.max(1, Math.round(heightPx * ratio));
    this.scheduleDraw();
  }

  private viewTransform(): ViewTransform {
    const slice = this.currentSlice;
    const baseScale = slice === null ? 1 : fitScale(sliceBoundsMm(slice), this.canvasWidthPx, this.canvasHeightPx);
    return {
      centerXMm: this.centerXMm,
      centerYMm: this.centerYMm,
      pixelsPerMm: baseScale * this.zoom,
      canvasWidthPx: this.canvasWidthPx,
      canvasHeightPx: this.canvasHeightPx,
    };
  }

  resetView(): void {
    const slice = this.currentSlice;
    this.zoom = 1;
    if (slice === null) return;
    const bounds = sliceBoundsMm(slice);
    this.centerXMm = (bounds.minXMm + bounds.maxXMm) / 2;
    this.centerYMm = (bounds.minYMm + bounds.maxYMm) / 2;
    this.scheduleDraw();
  }

  private resetWindow(): void {
    const image = this.localizer?.images[this.sliceIndex];
    if (!image) return;
    this.windowCenter = image.windowCenter;
    this.windowWidth = image.windowWidth;
  }

  private setSlice(index: number): void {
    const count = this.localizer?.images.length ?? 0;
    if (count === 0) return;
    this.sliceIndex = Math.max(0, Math.min(count - 1, index));
  }

  private setZoom(next: number): void {
    this.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, next));
  }

  private scheduleDraw(): void {
    if (this.frameRequest !== null) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = null;
      this.draw();
    });
  }

  /** Slabs with the gesture in progress applied, so the drawing follows the pointer. */
  private displayedSlabs(): WireSlab[] {
    const gesture = this.gesture;
    if (gesture === null || (gesture.kind !== 'move-slab' && gesture.kind !== 'rotate-slab') || gesture.adjustment === null) return this.slabs;
    const adjustment = gesture.adjustment;
    return this.slabs.map((slab) => (slab.slabId === adjustment.slabId ? previewAdjustment(gesture.slab, adjustment) : slab));
  }

  private currentShapes(): SlabShape[] {
    const slice = this.currentSlice;
    if (slice === null) return [];
    return slabShapes(this.displayedSlabs(), slice, this.viewTransform());
  }

  private ensureImageCanvas(slice: SlicePlane): HTMLCanvasElement | null {
    const pixels = this.decodedSlices[this.sliceIndex];
    if (!pixels) return null;
    const key = `${this.sliceIndex}:${this.windowCenter}:${this.windowWidth}`;
    if (this.imageCanvas !== null && this.imageCanvasKey === key) return this.imageCanvas;
    const canvas = this.imageCanvas ?? document.createElement('canvas');
    canvas.width = slice.columns;
    canvas.height = slice.rows;
    const context = canvas.getContext('2d');
    if (context === null) return null;
    const imageData = context.createImageData(slice.columns, slice.rows);
    applyWindow(pixels, this.windowCenter, this.windowWidth, imageData.data);
    context.putImageData(imageData, 0, 0);
    this.imageCanvas = canvas;
    this.imageCanvasKey = key;
    return canvas;
  }

  private ensureOverlayCanvas(): HTMLCanvasElement | null {
    const segmentation = this.segmentation;
    if (segmentation === null || this.labels === null || this.sliceIndex >= segmentation.dims.slices) return null;
    const key = `${this.sliceIndex}`;
    if (this.overlayCanvas !== null && this.overlayCanvasKey === key) return this.overlayCanvas;
    const canvas = this.overlayCanvas ?? document.createElement('canvas');
    canvas.width = segmentation.dims.columns;
    canvas.height = segmentation.dims.rows;
    const context = canvas.getContext('2d');
    if (context === null) return null;
    const imageData = context.createImageData(segmentation.dims.columns, segmentation.dims.rows);
    paintLabelSlice(this.labels, segmentation.dims, this.sliceIndex, segmentation.labelNames, imageData.data);
    context.putImageData(imageData, 0, 0);
    this.overlayCanvas = canvas;
    this.overlayCanvasKey = key;
    return canvas;
  }

  private centresForSlice(): Map<number, LabelPlacement> {
    const segmentation = this.segmentation;
    if (segmentation === null || this.labels === null || this.sliceIndex >= segmentation.dims.slices) return new Map();
    const key = String(this.sliceIndex);
    let centres = this.labelCentres.get(key);
    if (!centres) {
      centres = labelCentresOnSlice(this.labels, segmentation.dims, this.sliceIndex);
      this.labelCentres.set(key, centres);
    }
    return centres;
  }

  private draw(): void {
    const canvas = this.canvas;
    if (canvas === null) return;
    const context = canvas.getContext('2d');
    if (context === null) return;
    const ratio = canvas.width / Math.max(1, this.canvasWidthPx);
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);

    const slice = this.currentSlice;
    if (slice === null) return;
    const view = this.viewTransform();
    const bounds = sliceBoundsMm(slice);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);

    // Image and overlay: scale from pixel indices to slice millimetres, then to the canvas.
    const left = (bounds.minXMm - view.centerXMm) * view.pixelsPerMm + view.canvasWidthPx / 2;
    const top = (bounds.minYMm - view.centerYMm) * view.pixelsPerMm + view.canvasHeightPx / 2;
    const width = (bounds.maxXMm - bounds.minXMm) * view.pixelsPerMm;
    const height = (bounds.maxYMm - bounds.minYMm) * view.pixelsPerMm;
    const image = this.ensureImageCanvas(slice);
    if (image !== null) {
      context.imageSmoothingEnabled = true;
      context.drawImage(image, left, top, width, height);
    }
    if (this.overlayVisible) {
      const overlay = this.ensureOverlayCanvas();
      if (overlay !== null) {
        context.imageSmoothingEnabled = false;
        context.globalAlpha = this.overlayOpacity;
        context.drawImage(overlay, left, top, width, height);
        context.globalAlpha = 1;
      }
      this.drawLevelNames(context, slice, view);
    }
    this.drawSlabs(context);
  }

  private drawLevelNames(context: CanvasRenderingContext2D, slice: SlicePlane, view: ViewTransform): void {
    const segmentation = this.segmentation;
    if (segmentation === null) return;
    context.font = '600 14px "Noto Sans", "Noto Sans CJK SC", sans-serif';
    context.textBaseline = 'middle';
    context.textAlign = 'right';
    for (const [labelValue, placement] of this.centresForSlice()) {
      const name = segmentation.labelNames[labelValue];
      if (!name || name === 'canal' || placement.pixelCount < 4) continue;
      // Names sit just before the structure's first column, level with its centre, so they never cover it.
      const labelX = ((placement.minColumn - 0.5) * slice.spacingBetweenColumnsMm - view.centerXMm) * view.pixelsPerMm + view.canvasWidthPx / 2 - 4;
      const y = (placement.row * slice.spacingBetweenRowsMm - view.centerYMm) * view.pixelsPerMm + view.canvasHeightPx / 2;
      context.lineWidth = 3;
      context.strokeStyle = 'rgba(0,0,0,0.85)';
      context.strokeText(name, labelX, y);
      context.fillStyle = name.includes('/') ? '#ffcf7a' : '#bcd7ff';
      context.fillText(name, labelX, y);
    }
  }

  private drawSlabs(context: CanvasRenderingContext2D): void {
    for (const shape of this.currentShapes()) {
      const selected = shape.slab.slabId === this.selectedSlabId;
      const confirmed = this.confirmedSlabIds.includes(shape.slab.slabId);
      const verdict = this.qcResults[shape.slab.slabId]?.verdict ?? null;
      // Blue: proposed. White: confirmed, not yet checked. After QC: the verdict's colour. Yellow: selected.
      let colour = '#4db8ff';
      if (confirmed) colour = '#e8edf2';
      if (verdict !== null) colour = QC_MARKS[verdict].colour;
      if (selected) colour = '#ffd24d';
      if (shape.band.length >= 3) {
        context.beginPath();
        context.moveTo(shape.band[0].x, shape.band[0].y);
        for (const point of shape.band.slice(1)) context.lineTo(point.x, point.y);
        context.closePath();
        // A slab parallel to the slice (a sagittal stack) covers the whole image, so it gets an outline only.
        if (shape.centerLine !== null) {
          context.fillStyle = selected ? 'rgba(255,210,77,0.18)' : 'rgba(77,184,255,0.10)';
          context.fill();
        }
        context.setLineDash([6, 4]);
        context.lineWidth = selected ? 2 : 1;
        context.strokeStyle = colour;
        context.stroke();
        context.setLineDash([]);
        if (shape.centerLine === null) this.drawSlabName(context, shape.slab.level, verdict, colour, selected, bandTopLeft(shape.band), 'left');
      }
      if (shape.centerLine !== null) {
        context.beginPath();
        context.moveTo(shape.centerLine.start.x, shape.centerLine.start.y);
        context.lineTo(shape.centerLine.end.x, shape.centerLine.end.y);
        context.lineWidth = selected ? 2.5 : 1.5;
        context.strokeStyle = colour;
        context.stroke();

        const leftEnd = shape.centerLine.start.x <= shape.centerLine.end.x ? shape.centerLine.start : shape.centerLine.end;
        this.drawSlabName(context, shape.slab.level, verdict, colour, selected, { x: leftEnd.x - 8, y: leftEnd.y }, 'right');

        if (selected && shape.handle !== null) {
          context.beginPath();
          context.arc(shape.handle.x, shape.handle.y, 7, 0, Math.PI * 2);
          context.fillStyle = '#ffd24d';
          context.fill();
          context.lineWidth = 2;
          context.strokeStyle = '#000';
          context.stroke();
        }
      }
    }
  }

  private drawSlabName(
    context: CanvasRenderingContext2D,
    level: string,
    verdict: QcVerdict | null,
    colour: string,
    selected: boolean,
    at: CanvasPoint,
    align: 'left' | 'right',
  ): void {
    context.font = `${selected ? 700 : 600} 15px "Noto Sans", "Noto Sans CJK SC", sans-serif`;
    context.textBaseline = 'middle';
    context.lineWidth = 3;
    context.strokeStyle = 'rgba(0,0,0,0.85)';
    // The mark keeps its verdict colour even on the selected slab, so a failed slab never reads as passed.
    const mark = verdict === null ? '' : `${QC_MARKS[verdict].mark} `;
    const markWidth = context.measureText(mark).width;
    const levelWidth = context.measureText(level).width;
    const left = align === 'left' ? at.x : at.x - markWidth - levelWidth;
    context.textAlign = 'left';
    if (verdict !== null) {
      context.strokeText(mark, left, at.y);
      context.fillStyle = QC_MARKS[verdict].colour;
      context.fillText(mark, left, at.y);
    }
    context.strokeText(level, left + markWidth, at.y);
    context.fillStyle = colour;
    context.fillText(level, left + markWidth, at.y);
  }

  private pointerPosition(event: PointerEvent | WheelEvent): CanvasPoint {
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  private hitTest(point: CanvasPoint): { shape: SlabShape; part: 'handle' | 'body' } | null {
    const shapes = this.currentShapes();
    const selected = shapes.find((shape) => shape.slab.slabId === this.selectedSlabId);
    if (selected?.handle && Math.hypot(point.x - selected.handle.x, point.y - selected.handle.y) <= GRAB_DISTANCE_PX) {
      return { shape: selected, part: 'handle' };
    }
    // The selected slab wins where bands overlap, then the nearest centre line.
    const ordered = selected ? [selected, ...shapes.filter((shape) => shape !== selected)] : shapes;
    for (const shape of ordered) {
      const nearLine = shape.centerLine !== null && distanceToSegmentPx(point, shape.centerLine.start, shape.centerLine.end) <= GRAB_DISTANCE_PX;
      if (nearLine || (shape.band.length >= 3 && pointInPolygon(point, shape.band))) return { shape, part: 'body' };
    }
    return null;
  }

  private onPointerDown(event: PointerEvent): void {
    if (this.currentSlice === null || event.button !== 0) return;
    const point = this.pointerPosition(event);
    // Focusing without scrolling keeps the pointer's canvas position valid for the whole gesture.
    this.canvas?.focus({ preventScroll: true });
    const canvas = event.currentTarget as HTMLCanvasElement;
    canvas.setPointerCapture(event.pointerId);

    if (event.ctrlKey || event.metaKey) {
      this.gesture = { kind: 'window', pointerId: event.pointerId, startPx: point, startCenter: this.windowCenter, startWidth: this.windowWidth };
      return;
    }
    const hit = this.hitTest(point);
    if (hit === null && this.windowDragMode) {
      this.gesture = { kind: 'window', pointerId: event.pointerId, startPx: point, startCenter: this.windowCenter, startWidth: this.windowWidth };
      return;
    }
    if (hit !== null) {
      this.selectSlab(hit.shape.slab.slabId);
      if (!this.adjustable) {
        this.gesture = null;
        return;
      }
      this.gesture =
        hit.part === 'handle'
          ? { kind: 'rotate-slab', pointerId: event.pointerId, slab: hit.shape.slab, pivotPx: hit.shape.pivot, startPx: point, adjustment: null }
          : { kind: 'move-slab', pointerId: event.pointerId, slab: hit.shape.slab, startPx: point, adjustment: null };
      return;
    }
    this.gesture = { kind: 'pan', pointerId: event.pointerId, startPx: point, startCenterXMm: this.centerXMm, startCenterYMm: this.centerYMm };
  }

  private onPointerMove(event: PointerEvent): void {
    const gesture = this.gesture;
    const slice = this.currentSlice;
    if (gesture === null || slice === null || gesture.pointerId !== event.pointerId) {
      this.updateCursor(event);
      return;
    }
    const point = this.pointerPosition(event);
    const pixelsPerMm = this.viewTransform().pixelsPerMm;
    switch (gesture.kind) {
      case 'move-slab': {
        const deltaMm = { xMm: (point.x - gesture.startPx.x) / pixelsPerMm, yMm: (point.y - gesture.startPx.y) / pixelsPerMm };
        gesture.adjustment = dragToAdjustment(gesture.slab, slice, deltaMm);
        break;
      }
      case 'rotate-slab': {
        const from = { xMm: gesture.startPx.x - gesture.pivotPx.x, yMm: gesture.startPx.y - gesture.pivotPx.y };
        const to = { xMm: point.x - gesture.pivotPx.x, yMm: point.y - gesture.pivotPx.y };
        gesture.adjustment = rotationToAdjustment(gesture.slab, slice, angleBetweenOnSliceDeg(from, to));
        break;
      }
      case 'pan':
        this.centerXMm = gesture.startCenterXMm - (point.x - gesture.startPx.x) / pixelsPerMm;
        this.centerYMm = gesture.startCenterYMm - (point.y - gesture.startPx.y) / pixelsPerMm;
        break;
      case 'window':
        // Right widens the window and down raises the level, each pixel by 1/200 of the starting width.
        this.windowWidth = Math.max(1, Math.round(gesture.startWidth + (point.x - gesture.startPx.x) * (gesture.startWidth / 200)));
        this.windowCenter = Math.round(gesture.startCenter + (point.y - gesture.startPx.y) * (gesture.startWidth / 200));
        break;
    }
    this.scheduleDraw();
  }

  private onPointerUp(event: PointerEvent): void {
    const gesture = this.gesture;
    if (gesture === null || gesture.pointerId !== event.pointerId) return;
    this.gesture = null;
    if ((gesture.kind === 'move-slab' || gesture.kind === 'rotate-slab') && gesture.adjustment !== null && !isEmptyAdjustment(gesture.adjustment)) {
      this.emitAdjustment(gesture.adjustment);
    }
    this.scheduleDraw();
  }

  private updateCursor(event: PointerEvent): void {
    if (this.canvas === null || this.currentSlice === null) return;
    const hit = this.hitTest(this.pointerPosition(event));
    let cursor = 'grab';
    if (hit?.part === 'handle') cursor = 'alias';
    if (hit?.part === 'body') cursor = 'move';
    this.canvas.style.cursor = cursor;
  }

  private onWheel(event: WheelEvent): void {
    if (this.currentSlice === null) return;
    event.preventDefault();
    if (event.ctrlKey) {
      this.setZoom(this.zoom * (event.deltaY < 0 ? 1.15 : 1 / 1.15));
      return;
    }
    this.setSlice(this.sliceIndex + (event.deltaY > 0 ? 1 : -1));
  }

  private onKeyDown(event: KeyboardEvent): void {
    const slice = this.currentSlice;
    if (slice === null) return;
    const handled = this.handleKey(event, slice);
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  private handleKey(event: KeyboardEvent, slice: SlicePlane): boolean {
    if (event.altKey && event.key.startsWith('Arrow')) {
      const step = Math.max(1, Math.round(this.windowWidth / 20));
      if (event.key === 'ArrowUp') this.windowCenter += step;
      if (event.key === 'ArrowDown') this.windowCenter -= step;
      if (event.key === 'ArrowRight') this.windowWidth += step;
      if (event.key === 'ArrowLeft') this.windowWidth = Math.max(1, this.windowWidth - step);
      return true;
    }
    const adjustKeys: Record<string, KeyboardAdjustKey> = {
      ArrowUp: 'up',
      ArrowDown: 'down',
      ArrowLeft: 'left',
      ArrowRight: 'right',
      BracketRight: 'rotate-clockwise',
      BracketLeft: 'rotate-counterclockwise',
    };
    const adjustKey = adjustKeys[event.key.startsWith('Arrow') ? event.key : event.code];
    if (adjustKey !== undefined && !event.ctrlKey && !event.metaKey) {
      if (!this.adjustable) return false;
      const slab = this.slabs.find((candidate) => candidate.slabId === this.selectedSlabId);
      if (slab === undefined) return false;
      this.emitAdjustment(keyToAdjustment(slab, slice, adjustKey, event.shiftKey));
      return true;
    }
    switch (event.key) {
      case 's':
      case 'S':
        this.cycleSelection(event.shiftKey ? -1 : 1);
        return true;
      case 'PageUp':
        this.setSlice(this.sliceIndex - 1);
        return true;
      case 'PageDown':
        this.setSlice(this.sliceIndex + 1);
        return true;
      case '+':
      case '=':
        this.setZoom(this.zoom * 1.25);
        return true;
      case '-':
        this.setZoom(this.zoom / 1.25);
        return true;
      case '0':
        this.resetView();
        return true;
      case 'r':
      case 'R':
        this.resetWindow();
        return true;
      case 'o':
      case 'O':
        this.overlayVisible = !this.overlayVisible;
        return true;
      default:
        return false;
    }
  }

  private cycleSelection(direction: 1 | -1): void {
    if (this.slabs.length === 0) return;
    const index = this.slabs.findIndex((slab) => slab.slabId === this.selectedSlabId);
    const next = (index + direction + this.slabs.length) % this.slabs.length;
    this.selectSlab(this.slabs[index === -1 ? 0 : next].slabId);
  }

  private selectSlab(slabId: string): void {
    if (slabId === this.selectedSlabId) return;
    this.dispatchEvent(new CustomEvent<{ slabId: string }>('slab-select', { detail: { slabId }, bubbles: true, composed: true }));
  }

  private emitAdjustment(adjustment: SlabAdjustment): void {
    if (isEmptyAdjustment(adjustment)) return;
    this.dispatchEvent(new CustomEvent<SlabAdjustEventDetail>('slab-adjust', { detail: { adjustment }, bubbles: true, composed: true }));
  }

  private selectedDescription(): string {
    const slab = this.slabs.find((candidate) => candidate.slabId === this.selectedSlabId);
    if (slab === undefined) return '';
    const slice = this.currentSlice;
    const onSlice = slice !== null && this.currentShapes().some((shape) => shape.slab.slabId === slab.slabId && shape.centerLine !== null);
    const verdict = this.qcResults[slab.slabId]?.verdict;
    const description = translate('viewer.selectedSlab', { level: slab.level, description: slabSummary(slab) });
    const text = verdict === undefined ? description : `${description} ${translate('viewer.slabQc', { verdict: translate(VERDICT_KEYS[verdict]) })}`;
    return onSlice ? text : `${text} ${translate('viewer.slabNotOnSlice', { level: slab.level })}`;
  }

  override render() {
    const count = this.localizer?.images.length ?? 0;
    const hasImage = count > 0 && this.payloadError === null;
    return html`
      <div class="toolbar" role="toolbar" aria-label=${translate('viewer.toolbar')}>
        <button @click=${() => this.setSlice(this.sliceIndex - 1)} ?disabled=${!hasImage} aria-label=${translate('viewer.previousSlice')}>‹</button>
        <span class="readout" data-testid="slice-readout">${hasImage ? translate('viewer.slice', { index: this.sliceIndex + 1, count }) : ''}</span>
        <button @click=${() => this.setSlice(this.sliceIndex + 1)} ?disabled=${!hasImage} aria-label=${translate('viewer.nextSlice')}>›</button>
        <span class="readout">${hasImage ? translate('viewer.window', { width: Math.round(this.windowWidth), center: Math.round(this.windowCenter) }) : ''}</span>
        <span class="readout">${hasImage ? translate('viewer.zoom', { percent: Math.round(this.zoom * 100) }) : ''}</span>
        <label>
          <input type="checkbox" .checked=${this.overlayVisible} @change=${(event: Event) => (this.overlayVisible = (event.target as HTMLInputElement).checked)} />
          ${translate('viewer.overlay')}
        </label>
        <label>
          ${translate('viewer.opacity')}
          <input
            type="range"
            min="0"
            max="1"
            step="0.05"
            .value=${String(this.overlayOpacity)}
            @input=${(event: Event) => (this.overlayOpacity = Number((event.target as HTMLInputElement).value))}
          />
        </label>
        <span class="group" role="group" aria-label=${translate('viewer.zoomButtons')}>
          <button @click=${() => this.setZoom(this.zoom / 1.25)} ?disabled=${!hasImage} aria-label=${translate('viewer.zoomOut')} data-testid="zoom-out">−</button>
          <button @click=${() => this.setZoom(this.zoom * 1.25)} ?disabled=${!hasImage} aria-label=${translate('viewer.zoomIn')} data-testid="zoom-in">+</button>
        </span>
        <button @click=${() => this.resetView()} ?disabled=${!hasImage}>${translate('viewer.resetView')}</button>
        <button
          aria-pressed=${this.windowDragMode ? 'true' : 'false'}
          @click=${() => (this.windowDragMode = !this.windowDragMode)}
          ?disabled=${!hasImage}
          data-testid="window-drag-mode"
        >
          ${translate('viewer.windowDragMode')}
        </button>
      </div>
      <div class="stage">
        <canvas
          tabindex="0"
          role="application"
          aria-label=${translate('viewer.label')}
          aria-describedby="shortcut-list selected-slab"
          aria-keyshortcuts="ArrowUp ArrowDown ArrowLeft ArrowRight [ ] S PageUp PageDown + - 0 R O"
          data-mm-per-px=${hasImage ? String(this.millimetresPerPixel) : ''}
          @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerUp}
          @pointercancel=${this.onPointerUp}
          @wheel=${this.onWheel}
          @keydown=${this.onKeyDown}
        ></canvas>
        ${hasImage ? '' : html`<div class="empty">${this.payloadError ? translate('error.payload', { message: this.payloadError }) : translate('viewer.noImage')}</div>`}
        <p id="selected-slab" class="visually-hidden" aria-live="polite">${this.selectedDescription()}</p>
        <details class="shortcuts">
          <summary>${translate('viewer.shortcuts')}</summary>
          <ul id="shortcut-list">
            <li>${translate('viewer.shortcuts.slab')}</li>
            <li>${translate('viewer.shortcuts.rotate')}</li>
            <li>${translate('viewer.shortcuts.select')}</li>
            <li>${translate('viewer.shortcuts.slice')}</li>
            <li>${translate('viewer.shortcuts.window')}</li>
            <li>${translate('viewer.shortcuts.mouse')}</li>
          </ul>
        </details>
      </div>
    `;
  }
}

customElements.define('lc-localizer-viewer', LcLocalizerViewer);
