/**
 * Anatomy alerts: low model confidence and transitional or missing levels. The banner keeps
 * its space when empty, grows to show every alert line, shows colour, an icon and text
 * together, and announces new alerts assertively.
 */
import { LitElement, css, html } from 'lit';

import { LocaleController, translate, translateIfKnown } from '../i18n/locale.ts';
import type { SegmentationMessage } from '../wire.ts';
import { sharedStyles } from './sharedStyles.ts';

/**
 * Overall confidence below which the console raises a low-confidence alert of its own. The
 * session hub leaves planning to the technologist below 0.5 by default, so plans from 0.5 to
 * 0.7 still come with an alert. NOTE: 0.7 is a chosen margin, not calibrated on data.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.7;

export interface AnatomyAlert {
  code: string;
  text: string;
}

/** Builds the alert lines for a segmentation, in the current language. */
export function anatomyAlerts(segmentation: SegmentationMessage | null, minConfidence: number): AnatomyAlert[] {
  if (segmentation === null) return [];
  const alerts: AnatomyAlert[] = [];
  for (const flag of segmentation.flags) {
    const known = translateIfKnown(`flags.${flag.code}`, { level: flag.level ?? '' });
    alerts.push({ code: flag.code, text: known ?? translate('flags.unknown', { code: flag.code, reason: flag.reason }) });
  }
  const hasLowConfidenceFlag = segmentation.flags.some((flag) => flag.code === 'LOW_CONFIDENCE');
  if (!hasLowConfidenceFlag && segmentation.confidence < minConfidence) {
    alerts.push({ code: 'LOW_CONFIDENCE', text: translate('flags.LOW_CONFIDENCE') });
  }
  return alerts;
}

export class LcFlagBanner extends LitElement {
  static override properties = {
    segmentation: { attribute: false },
    minConfidence: { type: Number },
  };

  declare segmentation: SegmentationMessage | null;
  declare minConfidence: number;

  private readonly locale = new LocaleController(this);

  constructor() {
    super();
    this.segmentation = null;
    this.minConfidence = DEFAULT_MIN_CONFIDENCE;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      /* The region keeps the height of a one-line alert when empty. It grows to show every
         line, because a clipped alert could hide a miscounted level. */
      .region {
        min-height: 4.2rem;
        border-radius: 8px;
      }
      .alert {
        display: flex;
        gap: 0.9rem;
        align-items: flex-start;
        padding: 0.55rem 1rem;
        background: #4a1d00;
        border: 2px solid var(--lc-warn);
        border-radius: 8px;
        min-height: 4.2rem;
      }
      .icon {
        flex: none;
        width: 2rem;
        height: 2rem;
        border-radius: 50%;
        background: var(--lc-warn);
        color: #000;
        font-weight: 800;
        font-size: 1.3rem;
        display: grid;
        place-items: center;
      }
      .heading {
        font-weight: 700;
        color: #ffd9a0;
      }
      ul {
        margin: 0.1rem 0 0;
        padding-left: 1.1rem;
      }
      .quiet {
        color: var(--lc-muted);
        padding: 0.55rem 1rem;
        min-height: 4.2rem;
        display: flex;
        align-items: center;
        gap: 1rem;
      }
    `,
  ];

  override render() {
    const alerts = anatomyAlerts(this.segmentation, this.minConfidence);
    const confidence = this.segmentation === null ? null : Math.round(this.segmentation.confidence * 100);
    return html`
      <div class="region" aria-live="assertive" aria-atomic="true" aria-label=${translate('flags.label')}>
        ${alerts.length === 0
          ? html`<div class="quiet" data-testid="flags-quiet">
              ${this.segmentation === null ? '' : html`<span>${translate('flags.none')}</span>
                  <span>${translate('flags.confidence', { percent: confidence ?? 0 })}</span>`}
            </div>`
          : html`<div class="alert" role="alert" data-testid="flags-alert">
              <span class="icon" aria-hidden="true">!</span>
              <div>
                <div class="heading">
                  ${translate('flags.heading')} · ${translate('flags.confidence', { percent: confidence ?? 0 })}
                </div>
                <ul>
                  ${alerts.map((alert) => html`<li data-code=${alert.code}>${alert.text}</li>`)}
                </ul>
              </div>
            </div>`}
      </div>
    `;
  }
}

customElements.define('lc-flag-banner', LcFlagBanner);
