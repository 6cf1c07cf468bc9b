/**
 * Acquisition QC: the verdict per slab with its reasons and thumbnails, and one-click accept
 * or rescan with the corrected slab.
 */
import { LitElement, css, html } from 'lit';

import type { MessageKey } from '../i18n/en.ts';
import { LocaleController, localizedText, translate } from '../i18n/locale.ts';
import { formatLimit, formatMeasured } from '../i18n/quantity.ts';
import { slabOffset } from '../geometry/slabOffset.ts';
import type { WireQcResult, WireSlab } from '../wire.ts';
import { slabOffsetText, slabSummary } from './slabSummary.ts';
import { sharedStyles } from './sharedStyles.ts';

const VERDICT_KEYS: Record<WireQcResult['verdict'], MessageKey> = {
  pass: 'qc.verdict.pass',
  warn: 'qc.verdict.warn',
  fail: 'qc.verdict.fail',
};

const VERDICT_ICONS: Record<WireQcResult['verdict'], string> = { pass: '✓', warn: '!', fail: '✕' };

/** Accepts a bare base64 PNG or a complete data URL. */
function thumbnailSource(thumbnail: string): string {
  return thumbnail.startsWith('data:') ? thumbnail : `data:image/png;base64,${thumbnail}`;
}

export class LcQcPanel extends LitElement {
  static override properties = {
    results: { attribute: false },
    acquiredSlabs: { attribute: false },
    examEnded: { attribute: false },
  };

  declare results: WireQcResult[];
  /** Per slab id, the slab as acquired, which a corrected slab is compared with. */
  declare acquiredSlabs: Record<string, WireSlab>;
  /** True once the exam has ended, when the server rejects `qc.acknowledge` with `ERR_SESSION_ENDED`. */
  declare examEnded: boolean;

  private readonly locale = new LocaleController(this);

  constructor() {
    super();
    this.results = [];
    this.acquiredSlabs = {};
    this.examEnded = false;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      ul.results {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li.result {
        border: 1px solid var(--lc-border);
        border-left-width: 6px;
        border-radius: 6px;
        padding: 0.5rem 0.7rem;
        background: var(--lc-panel-raised);
      }
      li.pass {
        border-left-color: var(--lc-pass);
      }
      li.warn {
        border-left-color: var(--lc-warn);
      }
      li.fail {
        border-left-color: var(--lc-fail);
      }
      .title {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        font-size: 1.1rem;
        font-weight: 700;
      }
      .verdict-icon {
        width: 1.6rem;
        height: 1.6rem;
        border-radius: 50%;
        display: grid;
        place-items: center;
        color: #000;
        font-weight: 800;
      }
      .pass .verdict-icon {
        background: var(--lc-pass);
      }
      .warn .verdict-icon {
        background: var(--lc-warn);
      }
      .fail .verdict-icon {
        background: var(--lc-fail);
      }
      .elapsed {
        margin-left: auto;
        font-size: 0.8rem;
        color: var(--lc-muted);
        font-weight: 400;
      }
      ul.checks {
        margin: 0.3rem 0;
        padding-left: 1.1rem;
      }
      .check-pass {
        color: var(--lc-muted);
      }
      .check-warn {
        color: #ffd08a;
      }
      .check-fail {
        color: #ffb3b5;
      }
      .thumbnails {
        display: flex;
        gap: 0.3rem;
        overflow-x: auto;
        padding: 0.2rem 0;
      }
      .thumbnails img {
        width: 64px;
        height: 64px;
        object-fit: contain;
        background: #000;
        border: 1px solid var(--lc-border);
        image-rendering: auto;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin-top: 0.3rem;
      }
      details.passed {
        color: var(--lc-muted);
        margin: 0.2rem 0;
      }
      details.passed summary {
        cursor: pointer;
      }
      .corrected {
        font-size: 0.85rem;
        color: var(--lc-muted);
        display: grid;
        gap: 0.1rem;
      }
      .corrected .change {
        color: var(--lc-text);
        font-weight: 600;
      }
    `,
  ];

  private emit(slabId: string, action: 'accept' | 'rescan'): void {
    this.dispatchEvent(new CustomEvent('qc-acknowledge', { detail: { slabId, action }, bubbles: true, composed: true }));
  }

  private renderCheck(check: WireQcResult['checks'][number]) {
    const line = translate('qc.checkLine', { verdict: translate(VERDICT_KEYS[check.verdict]), message: localizedText(check.message) });
    if (check.value === null || check.threshold === null) return html`<li class="check-${check.verdict}" data-code=${check.code}>${line}</li>`;
    const measured = translate('qc.measured', { value: formatMeasured(check.value, check.unit, check.threshold), threshold: formatLimit(check.threshold, check.unit) });
    // Chinese puts no space before the full-width bracket, so the catalogue joins the two parts.
    return html`<li class="check-${check.verdict}" data-code=${check.code}>${translate('qc.checkLineMeasured', { line, measured })}</li>`;
  }

  private renderCorrection(slabId: string, corrected: WireSlab) {
    const acquired = this.acquiredSlabs[slabId];
    return html`<p class="corrected">
      ${acquired === undefined
        ? ''
        : html`<span class="change" data-testid="qc-correction">${translate('qc.correctedChange', { offset: slabOffsetText(slabOffset(acquired, corrected)) })}</span>`}
      <span>${translate('qc.correctedSlab', { summary: slabSummary(corrected) })}</span>
    </p>`;
  }

  private renderResult(result: WireQcResult) {
    const verdict = translate(VERDICT_KEYS[result.verdict]);
    // Failed and warning checks are the reasons; passed checks fold away so the reasons stand out.
    const problems = result.checks.filter((check) => check.verdict !== 'pass');
    const passed = result.checks.filter((check) => check.verdict === 'pass');
    return html`
      <li class="result ${result.verdict}" data-slab-id=${result.slabId} data-verdict=${result.verdict}>
        <div class="title">
          <span class="verdict-icon" aria-hidden="true">${VERDICT_ICONS[result.verdict]}</span>
          <span data-testid="qc-verdict">${translate('qc.verdictFor', { level: result.level, verdict })}</span>
          <span class="elapsed">${translate('qc.elapsed', { ms: Math.round(result.elapsedMs) })}</span>
        </div>
        ${problems.length > 0 ? html`<ul class="checks">${problems.map((check) => this.renderCheck(check))}</ul>` : ''}
        ${passed.length > 0
          ? html`<details class="passed">
              <summary>${passed.length === 1 ? translate('qc.passedCheck') : translate('qc.passedChecks', { count: passed.length })}</summary>
              <ul class="checks">${passed.map((check) => this.renderCheck(check))}</ul>
            </details>`
          : ''}
        ${result.thumbnails.length > 0
          ? html`<div class="thumbnails" role="group" aria-label=${translate('qc.thumbnails', { level: result.level })}>
              ${result.thumbnails.map(
                (thumbnail, index) =>
                  html`<img src=${thumbnailSource(thumbnail)} alt=${translate('qc.thumbnail', { index: index + 1, level: result.level })} />`,
              )}
            </div>`
          : ''}
        ${result.correctedSlab !== null ? this.renderCorrection(result.slabId, result.correctedSlab) : ''}
        <div class="actions">
          ${result.verdict !== 'pass' && result.correctedSlab !== null
            ? html`<button class="primary" ?disabled=${this.examEnded} @click=${() => this.emit(result.slabId, 'rescan')}>
                ${translate('qc.rescan', { level: result.level })}
              </button>`
            : ''}
          <button ?disabled=${this.examEnded} @click=${() => this.emit(result.slabId, 'accept')}>${translate('qc.accept', { level: result.level })}</button>
        </div>
      </li>
    `;
  }

  override render() {
    return html`
      <h2>${translate('qc.heading')}</h2>
      ${this.results.length === 0
        ? html`<p>${translate('qc.none')}</p>`
        : html`<ul class="results" aria-label=${translate('qc.label')}>
            ${this.results.map((result) => this.renderResult(result))}
          </ul>`}
    `;
  }
}

customElements.define('lc-qc-panel', LcQcPanel);
