/**
 * The plan as a list: one row per slab with its state, selection and confirmation, a form to
 * type an exact change for the selected slab, and the plan-wide actions (confirm all, reject
 * and plan manually, re-plan).
 */
import { LitElement, css, html } from 'lit';

import { MAX_SHIFT_MM, MAX_TILT_DEG, buildAdjustment, isEmptyAdjustment } from '../geometry/slabAdjust.ts';
import { isNegligibleOffset, slabOffset } from '../geometry/slabOffset.ts';
import type { MessageKey } from '../i18n/en.ts';
import { LocaleController, translate, translateIfKnown } from '../i18n/locale.ts';
import type { PlanBaseline } from '../state/consoleState.ts';
import type { PlanMessage, SlabAdjustment, WireSlab } from '../wire.ts';
import { sharedStyles } from './sharedStyles.ts';
import { slabOffsetText, slabSummary } from './slabSummary.ts';

/** Largest slice count the protocol accepts in one adjustment. */
const MAX_SLICE_COUNT = 64;

interface NumberField {
  name: 'alongNormalMm' | 'rowMm' | 'columnMm' | 'tiltAboutRowDeg' | 'tiltAboutColumnDeg' | 'sliceCount';
  labelKey: MessageKey;
  min: number;
  max: number;
  step: number;
}

const FIELDS: NumberField[] = [
  { name: 'alongNormalMm', labelKey: 'adjust.shiftAlongNormal', min: -MAX_SHIFT_MM, max: MAX_SHIFT_MM, step: 0.1 },
  { name: 'rowMm', labelKey: 'adjust.shiftRow', min: -MAX_SHIFT_MM, max: MAX_SHIFT_MM, step: 0.1 },
  { name: 'columnMm', labelKey: 'adjust.shiftColumn', min: -MAX_SHIFT_MM, max: MAX_SHIFT_MM, step: 0.1 },
  { name: 'tiltAboutRowDeg', labelKey: 'adjust.tiltAboutRow', min: -MAX_TILT_DEG, max: MAX_TILT_DEG, step: 0.1 },
  { name: 'tiltAboutColumnDeg', labelKey: 'adjust.tiltAboutColumn', min: -MAX_TILT_DEG, max: MAX_TILT_DEG, step: 0.1 },
  { name: 'sliceCount', labelKey: 'adjust.sliceCount', min: 1, max: MAX_SLICE_COUNT, step: 1 },
];

/**
 * Shows a planner warning in the current language from its code. The planner's own message
 * is English only and is shown below it as the detail in every language, because it carries
 * the slab ids and distances that the catalogue sentence leaves out.
 */
function warningText(warning: PlanMessage['plan']['warnings'][number]): string {
  // The planner passes segmentation flags on as warnings, so their alert texts apply too.
  const text = translateIfKnown(`plan.warning.${warning.code}`) ?? translateIfKnown(`flags.${warning.code}`, { level: warning.level ?? '' }) ?? warning.message;
  return warning.level ? translate('plan.warning.withLevel', { level: warning.level, text }) : text;
}

function hasCatalogueText(code: string): boolean {
  return translateIfKnown(`plan.warning.${code}`) !== null || translateIfKnown(`flags.${code}`) !== null;
}

export class LcSlabPanel extends LitElement {
  static override properties = {
    plan: { attribute: false },
    slabs: { attribute: false },
    selectedSlabId: { attribute: false },
    pendingSlabIds: { attribute: false },
    flaggedLevels: { attribute: false },
    alertCodes: { attribute: false },
    baseline: { attribute: false },
    adjustable: { attribute: false },
    examEnded: { attribute: false },
    formError: { state: true },
  };

  declare plan: PlanMessage | null;
  /** Slabs as displayed, local previews included. */
  declare slabs: WireSlab[];
  declare selectedSlabId: string | null;
  declare pendingSlabIds: string[];
  /** Levels named by anatomy alerts, marked in the list. */
  declare flaggedLevels: string[];
  /** Codes the anatomy banner already shows; planner warnings with these codes are not repeated. */
  declare alertCodes: string[];
  /** The earliest revision of this plan the console saw; each adjusted slab shows its offset from it. */
  declare baseline: PlanBaseline | null;
  /** False outside plan review (during acquisition, QC or manual planning), when the server rejects confirmations and adjustments. */
  declare adjustable: boolean;
  /** True once the exam has ended, when the server rejects every technologist action with `ERR_SESSION_ENDED`. */
  declare examEnded: boolean;
  declare formError: string | null;

  private readonly locale = new LocaleController(this);

  constructor() {
    super();
    this.plan = null;
    this.slabs = [];
    this.selectedSlabId = null;
    this.pendingSlabIds = [];
    this.flaggedLevels = [];
    this.alertCodes = [];
    this.baseline = null;
    this.adjustable = true;
    this.examEnded = false;
    this.formError = null;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .header {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
      }
      .revision {
        color: var(--lc-muted);
      }
      ul.slabs {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.35rem;
      }
      li.slab {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.5rem;
        align-items: center;
        padding: 0.4rem 0.5rem;
        border: 1px solid var(--lc-border);
        border-radius: 6px;
        background: var(--lc-panel-raised);
      }
      li.slab.selected {
        border: 2px solid var(--lc-selected);
      }
      li.slab.flagged {
        box-shadow: inset 5px 0 0 var(--lc-warn);
      }
      .select {
        text-align: left;
        background: transparent;
        border: none;
        padding: 0.2rem;
        display: grid;
        gap: 0.1rem;
      }
      .level {
        font-size: 1.15rem;
        font-weight: 700;
      }
      .summary {
        color: var(--lc-muted);
        font-size: 0.85rem;
      }
      .badge {
        font-size: 0.85rem;
        padding: 0.1rem 0.45rem;
        border-radius: 999px;
        border: 1px solid var(--lc-border);
        white-space: nowrap;
      }
      .badge.confirmed {
        border-color: var(--lc-pass);
        color: var(--lc-pass);
      }
      .badge.sending {
        border-color: var(--lc-accent);
        color: var(--lc-accent);
      }
      .row-actions {
        display: flex;
        gap: 0.4rem;
        align-items: center;
      }
      form {
        margin-top: 0.7rem;
        padding: 0.6rem;
        border: 1px solid var(--lc-border);
        border-radius: 6px;
      }
      .fields {
        display: grid;
        grid-template-columns: repeat(3, minmax(0, 1fr));
        gap: 0.4rem 0.6rem;
      }
      .fields label {
        display: grid;
        gap: 0.15rem;
        font-size: 0.85rem;
        color: var(--lc-muted);
      }
      .fields input {
        width: 100%;
      }
      .hint {
        color: var(--lc-muted);
        font-size: 0.85rem;
        margin: 0 0 0.4rem;
      }
      .form-footer {
        display: flex;
        align-items: center;
        gap: 0.7rem;
        margin-top: 0.5rem;
        min-height: 2.6rem;
      }
      .form-error {
        color: var(--lc-fail);
      }
      .offset {
        color: var(--lc-selected);
        font-size: 0.85rem;
      }
      /* During plan review the primary action sticks to the bottom of the scrolling side panel, however long the list is. */
      .primary-actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin: 0.7rem -0.8rem -0.7rem;
        padding: 0.6rem 0.8rem;
        background: var(--lc-panel);
        border-top: 1px solid var(--lc-border);
        border-radius: 0 0 8px 8px;
      }
      .primary-actions.sticky {
        position: sticky;
        bottom: 0;
        z-index: 1;
      }
      .plan-actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.7rem;
      }
      .locked {
        color: var(--lc-muted);
        font-size: 0.85rem;
        margin: 0.7rem 0 0;
      }
      .reject {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex: 1 1 100%;
      }
      .reject input {
        flex: 1;
      }
      .warnings {
        margin: 0.5rem 0 0;
        color: var(--lc-warn);
        padding-left: 1.1rem;
      }
      .warnings .detail {
        display: block;
        color: var(--lc-muted);
        font-size: 0.85rem;
      }
      @media (max-width: 1400px) {
        .fields {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
      }
    `,
  ];

  private select(slabId: string): void {
    this.dispatchEvent(new CustomEvent('slab-select', { detail: { slabId }, bubbles: true, composed: true }));
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** Reads the typed values; returns the adjustment, or sets `formError` naming the bad field. */
  private readForm(form: HTMLFormElement, slab: WireSlab): SlabAdjustment | null {
    const data = new FormData(form);
    const amounts: Record<NumberField['name'], number | undefined> = {
      alongNormalMm: undefined,
      rowMm: undefined,
      columnMm: undefined,
      tiltAboutRowDeg: undefined,
      tiltAboutColumnDeg: undefined,
      sliceCount: undefined,
    };
    for (const field of FIELDS) {
      const raw = String(data.get(field.name) ?? '').trim().replace(',', '.');
      if (raw === '') continue;
      const value = Number(raw);
      const wholeNumberNeeded = field.name === 'sliceCount' && !Number.isInteger(value);
      if (!Number.isFinite(value) || value < field.min || value > field.max || wholeNumberNeeded) {
        this.formError = translate('adjust.invalid', { field: translate(field.labelKey), min: field.min, max: field.max });
        return null;
      }
      amounts[field.name] = value;
    }
    if (amounts.sliceCount === slab.sliceCount) amounts.sliceCount = undefined;
    const adjustment = buildAdjustment(slab.slabId, {
      alongNormalMm: amounts.alongNormalMm,
      rowMm: amounts.rowMm,
      columnMm: amounts.columnMm,
      tiltAboutRowDeg: amounts.tiltAboutRowDeg,
      tiltAboutColumnDeg: amounts.tiltAboutColumnDeg,
      sliceCount: amounts.sliceCount,
    });
    if (isEmptyAdjustment(adjustment)) {
      this.formError = translate('adjust.nothingToApply');
      return null;
    }
    return adjustment;
  }

  private onApply(event: SubmitEvent, slab: WireSlab): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    this.formError = null;
    const adjustment = this.readForm(form, slab);
    if (adjustment === null) return;
    form.reset();
    this.emit('slab-adjust', { adjustment });
  }

  private renderSlab(slab: WireSlab, confirmedIds: string[]) {
    const confirmed = confirmedIds.includes(slab.slabId);
    const selected = slab.slabId === this.selectedSlabId;
    const sending = this.pendingSlabIds.includes(slab.slabId);
    let stateText = translate('slab.notConfirmed');
    if (confirmed) stateText = translate('slab.confirmed');
    if (sending) stateText = translate('slab.sending');
    const flagged = this.flaggedLevels.some((level) => slab.level.includes(level));
    return html`
      <li class="slab ${selected ? 'selected' : ''} ${flagged ? 'flagged' : ''}" data-slab-id=${slab.slabId}>
        <button class="select" aria-pressed=${selected ? 'true' : 'false'} aria-label=${translate('slab.select', { level: slab.level })} @click=${() => this.select(slab.slabId)}>
          <span class="level">${slab.level}</span>
          <span class="summary">${slabSummary(slab)}</span>
          ${this.renderOffset(slab)}
        </button>
        <div class="row-actions">
          <span class="badge ${sending ? 'sending' : confirmed ? 'confirmed' : ''}" data-testid="slab-state">
            ${stateText}
          </span>
          <button ?disabled=${confirmed || !this.adjustable} @click=${() => this.emit('plan-confirm', { slabIds: [slab.slabId] })}>
            ${translate('actions.confirmOne', { level: slab.level })}
          </button>
        </div>
      </li>
    `;
  }

  /** Shows how far an adjusted slab lies from the baseline revision, so repeated small steps add up visibly. */
  private renderOffset(slab: WireSlab) {
    const baseline = this.baseline;
    if (baseline === null || baseline.planId !== this.plan?.plan.planId) return '';
    const original = baseline.slabs.find((candidate) => candidate.slabId === slab.slabId);
    if (original === undefined) return '';
    const offset = slabOffset(original, slab);
    if (isNegligibleOffset(offset)) return '';
    const text = slabOffsetText(offset);
    const line = baseline.revision === 0 ? translate('slab.offset.fromProposal', { offset: text }) : translate('slab.offset.fromRevision', { revision: baseline.revision, offset: text });
    return html`<span class="offset" data-testid="slab-offset">${line}</span>`;
  }

  /** Renders the adjust form for the selected slab, or a note while adjusting is not allowed. */
  private renderAdjustArea(selected: WireSlab | null) {
    if (selected === null) return '';
    if (!this.adjustable) return html`<p class="locked" data-testid="adjust-locked">${translate('adjust.locked')}</p>`;
    return this.renderForm(selected);
  }

  private renderForm(slab: WireSlab) {
    return html`
      <form @submit=${(event: SubmitEvent) => this.onApply(event, slab)} aria-labelledby="adjust-heading" novalidate>
        <h2 id="adjust-heading">${translate('adjust.heading', { level: slab.level })}</h2>
        <p class="hint">${translate('adjust.hint')}</p>
        <div class="fields">
          ${FIELDS.map(
            (field) => html`
              <label>
                ${translate(field.labelKey)}
                <input
                  name=${field.name}
                  type="number"
                  inputmode="decimal"
                  min=${field.min}
                  max=${field.max}
                  step=${field.step}
                  placeholder=${field.name === 'sliceCount' ? String(slab.sliceCount) : '0'}
                />
              </label>
            `,
          )}
        </div>
        <div class="form-footer">
          <button type="submit" class="primary">${translate('adjust.apply')}</button>
          <span class="form-error" role="alert">${this.formError ?? ''}</span>
        </div>
      </form>
    `;
  }

  override render() {
    const plan = this.plan;
    if (plan === null) {
      return html`<h2>${translate('plan.heading')}</h2>
        <p>${translate('plan.none')}</p>`;
    }
    const confirmedIds = plan.confirmedSlabIds;
    const selected = this.slabs.find((slab) => slab.slabId === this.selectedSlabId) ?? null;
    const warnings = plan.plan.warnings.filter((warning) => !this.alertCodes.includes(warning.code));
    const allConfirmed = this.slabs.length > 0 && this.slabs.every((slab) => confirmedIds.includes(slab.slabId));
    return html`
      <div class="header">
        <h2>${translate('plan.heading')}</h2>
        <span class="revision" data-testid="plan-revision">${translate('plan.revision', { revision: plan.plan.revision })}</span>
      </div>
      <ul class="slabs" aria-label=${translate('plan.label')}>
        ${this.slabs.map((slab) => this.renderSlab(slab, confirmedIds))}
      </ul>
      ${warnings.length > 0
        ? html`<ul class="warnings" aria-label=${translate('plan.warnings')}>
            ${warnings.map(
              (warning) =>
                html`<li data-code=${warning.code}>
                  ${warningText(warning)}${hasCatalogueText(warning.code) ? html`<span class="detail" lang="en">${warning.message}</span>` : ''}
                </li>`,
            )}
          </ul>`
        : ''}
      ${this.renderAdjustArea(selected)}
      <div class="plan-actions">
        <div class="reject">
          <input
            id="reject-reason"
            maxlength="500"
            aria-label=${translate('actions.rejectReason')}
            placeholder=${translate('actions.rejectReason')}
            ?disabled=${this.examEnded}
          />
          <button
            class="danger"
            ?disabled=${this.examEnded}
            @click=${() => {
              const input = this.renderRoot.querySelector<HTMLInputElement>('#reject-reason');
              this.emit('plan-reject', { reason: input?.value ?? '' });
            }}
          >
            ${translate('actions.reject')}
          </button>
        </div>
      </div>
      <div class="primary-actions ${this.adjustable ? 'sticky' : ''}" data-testid="plan-primary-actions">
        <button class="primary" ?disabled=${allConfirmed || !this.adjustable} @click=${() => this.emit('plan-confirm', {})}>${translate('actions.confirmAll')}</button>
        <button ?disabled=${this.examEnded} @click=${() => this.emit('replan-request', {})}>${translate('actions.replan')}</button>
      </div>
    `;
  }
}

customElements.define('lc-slab-panel', LcSlabPanel);
