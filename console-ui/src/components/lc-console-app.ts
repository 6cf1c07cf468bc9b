/**
 * The whole console: status, the next-action prompt, anatomy alerts, the localizer viewer and
 * the plan and QC panels. It renders only server state plus this console's unsettled changes,
 * so several consoles on one session show the same plan.
 */
import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Subscription } from 'rxjs';

import type { ConnectionStatus } from '../connection/consoleSocket.ts';
import type { ConsoleController } from '../controller/consoleController.ts';
import { chooseSession, findSessionToAnnounce, isEndedSession, type SessionPin, type SessionSummary } from '../controller/sessionSelection.ts';
import { LocaleController, localizedText, translate } from '../i18n/locale.ts';
import { EMPTY_CONSOLE_STATE, type ConsoleState } from '../state/consoleState.ts';
import { previewSlab, type PendingAdjustments } from '../state/pendingAdjustments.ts';
import type { SlabAdjustment, WireQcResult, WireSlab } from '../wire.ts';
import { DEFAULT_MIN_CONFIDENCE, anatomyAlerts } from './lc-flag-banner.ts';
import './lc-flag-banner.ts';
import './lc-language-switch.ts';
import './lc-localizer-viewer.ts';
import './lc-prompt.ts';
import './lc-qc-panel.ts';
import './lc-slab-panel.ts';
import './lc-status-bar.ts';
import { sharedStyles } from './sharedStyles.ts';

/** Exam states in which the server accepts `plan.confirm` and `slab.adjust` (an adjustment sent while one runs waits in the console's queue). */
const PLAN_REVIEW_STATES = ['planning.awaitingTechnologist', 'planning.adjusting'];

/** How often the session list is refreshed, milliseconds. */
const SESSION_POLL_INTERVAL_MS = 3000;

export class LcConsoleApp extends LitElement {
  static override properties = {
    controller: { attribute: false },
    requestedSessionId: { attribute: false },
    missingToken: { attribute: false },
    consoleState: { state: true },
    pending: { state: true },
    connection: { state: true },
    sessions: { state: true },
    sessionsError: { state: true },
    selectedSlabId: { state: true },
    paintMs: { state: true },
    unsentAction: { state: true },
    sessionPin: { state: true },
  };

  declare controller: ConsoleController | null;
  /** Session named in the page address (`?session=`), watched instead of the newest one until the technologist picks another. */
  declare requestedSessionId: string | null;
  declare missingToken: boolean;
  declare consoleState: ConsoleState;
  declare pending: Record<string, PendingAdjustments>;
  declare connection: ConnectionStatus;
  declare sessions: SessionSummary[];
  declare sessionsError: string | null;
  declare selectedSlabId: string | null;
  declare paintMs: number | null;
  declare unsentAction: boolean;
  /** Session the technologist chose, or null while the console follows the newest exam. */
  private declare sessionPin: SessionPin | null;

  private readonly locale = new LocaleController(this);
  private subscriptions: Subscription[] = [];
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private measuredReceiveMs: number | null = null;

  constructor() {
    super();
    this.controller = null;
    this.requestedSessionId = null;
    this.missingToken = false;
    this.consoleState = EMPTY_CONSOLE_STATE;
    this.pending = {};
    this.connection = { kind: 'connecting' };
    this.sessions = [];
    this.sessionsError = null;
    this.selectedSlabId = null;
    this.paintMs = null;
    this.unsentAction = false;
    this.sessionPin = null;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        box-sizing: border-box;
        display: grid;
        grid-template-rows: auto auto auto auto minmax(0, 1fr);
        gap: 0.5rem;
        height: 100vh;
        padding: 0.6rem 0.8rem;
        background: var(--lc-bg);
      }
      header {
        display: grid;
        grid-template-columns: auto auto minmax(0, 1fr) auto;
        gap: 1.2rem;
        align-items: center;
      }
      h1 {
        font-size: 1.25rem;
        margin: 0;
        white-space: nowrap;
      }
      .session {
        display: flex;
        gap: 0.4rem;
        align-items: center;
        color: var(--lc-muted);
        white-space: nowrap;
      }
      .session select {
        max-width: 16rem;
      }
      .new-exam {
        grid-column: 2 / -1;
        grid-row: 2;
        justify-self: start;
        display: flex;
        gap: 0.8rem;
        align-items: center;
        padding: 0.3rem 0.4rem 0.3rem 0.8rem;
        background: var(--lc-panel-raised);
        border: 1px solid var(--lc-accent);
        border-left-width: 4px;
        border-radius: 6px;
        font-weight: 600;
      }
      .error-line {
        min-height: 1.6rem;
        color: var(--lc-fail);
        font-weight: 600;
        overflow: hidden;
        white-space: nowrap;
        text-overflow: ellipsis;
      }
      main {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(30rem, 38rem);
        grid-template-rows: minmax(0, 1fr);
        gap: 0.7rem;
        min-height: 0;
      }
      lc-localizer-viewer {
        min-height: 0;
      }
      aside {
        overflow-y: auto;
        min-height: 0;
        display: grid;
        align-content: start;
        gap: 0.8rem;
      }
      aside > * {
        background: var(--lc-panel);
        border: 1px solid var(--lc-border);
        border-radius: 8px;
        padding: 0.7rem 0.8rem;
      }
      .skip {
        position: absolute;
        left: -999px;
      }
      .skip:focus {
        left: 0.5rem;
        top: 0.5rem;
        z-index: 10;
      }
      @media (max-width: 1500px) {
        header {
          grid-template-columns: auto minmax(0, 1fr) auto;
        }
        lc-status-bar {
          grid-column: 1 / -1;
          grid-row: 2;
        }
        /* The new-exam notice stays next to the session picker, above the status bar. */
        header:has(.new-exam) lc-status-bar {
          grid-row: 3;
        }
        main {
          grid-template-columns: minmax(0, 1fr) minmax(24rem, 30rem);
        }
      }
      @media (max-width: 1000px) {
        :host {
          height: auto;
          min-height: 100vh;
        }
        main {
          grid-template-columns: minmax(0, 1fr);
          grid-template-rows: auto auto;
        }
        lc-localizer-viewer {
          height: 62vh;
          min-height: 26rem;
        }
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    const controller = this.controller;
    if (controller === null) return;
    this.subscriptions.push(
      controller.state$.subscribe((state) => {
        this.consoleState = state;
        this.keepSelectionValid(state);
      }),
      controller.pending$.subscribe((pending) => (this.pending = pending)),
      controller.socket.status$.subscribe((status) => (this.connection = status)),
      controller.unsentAction$.subscribe((unsent) => (this.unsentAction = unsent)),
    );
    controller.start();
    // A session named in the page address stays watched even after its exam ends.
    if (this.requestedSessionId !== null) this.sessionPin = { sessionId: this.requestedSessionId, untilEnded: false };
    void this.refreshSessions();
    this.pollTimer = setInterval(() => void this.refreshSessions(), SESSION_POLL_INTERVAL_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.controller?.stop();
  }

  override updated(): void {
    // Receive-to-paint: the frame after this render is the first one showing the message.
    const receivedAtMs = this.controller?.lastReceivedAtMs ?? null;
    if (receivedAtMs === null || receivedAtMs === this.measuredReceiveMs) return;
    this.measuredReceiveMs = receivedAtMs;
    requestAnimationFrame(() => {
      this.paintMs = performance.now() - receivedAtMs;
    });
  }

  private async refreshSessions(): Promise<void> {
    const controller = this.controller;
    if (controller === null) return;
    try {
      this.sessions = await controller.listSessions();
      this.sessionsError = null;
    } catch (error) {
      this.sessionsError = error instanceof Error ? error.message : String(error);
      return;
    }
    const selection = chooseSession({ sessions: this.sessions, watchedSessionId: controller.socket.watchedSession, pin: this.sessionPin });
    this.sessionPin = selection.pin;
    if (selection.sessionId !== null) controller.watch(selection.sessionId);
  }

  private keepSelectionValid(state: ConsoleState): void {
    const slabs = state.plan?.plan.slabs ?? [];
    if (slabs.some((slab) => slab.slabId === this.selectedSlabId)) return;
    const confirmed = state.plan?.confirmedSlabIds ?? [];
    // Axial slabs are what the technologist adjusts most; a sagittal stack covers the whole localizer.
    const isOpen = (slab: WireSlab) => !confirmed.includes(slab.slabId);
    const firstOpen = slabs.find((slab) => isOpen(slab) && slab.kind.startsWith('axial')) ?? slabs.find(isOpen) ?? slabs[0];
    this.selectedSlabId = firstOpen?.slabId ?? null;
  }

  private displayedSlabs(): WireSlab[] {
    const plan = this.consoleState.plan;
    if (plan === null) return [];
    return plan.plan.slabs.map((slab) => {
      const pending = this.pending[slab.slabId];
      return pending ? previewSlab(slab, pending, plan.plan.revision) : slab;
    });
  }

  private promptText(): string {
    if (this.missingToken) return translate('prompt.missingToken');
    const session = this.consoleState.session;
    if (session !== null) return localizedText(session.nextAction.text);
    if (this.connection.kind !== 'open') return translate('prompt.connecting');
    return translate('prompt.noSession');
  }

  private onSessionChange(event: Event): void {
    const sessionId = (event.target as HTMLSelectElement).value;
    const picked = this.sessions.find((session) => session.sessionId === sessionId);
    // Picking an open exam follows it until it ends. Picking an ended exam keeps it for review.
    this.sessionPin = { sessionId, untilEnded: picked === undefined || !isEndedSession(picked) };
    this.controller?.watch(sessionId);
  }

  /** Switches to the announced session and follows new exams again, as without a pin. */
  private showAnnouncedSession(sessionId: string): void {
    this.sessionPin = null;
    this.controller?.watch(sessionId);
  }

  private renderSessionPicker() {
    const watched = this.consoleState.session?.sessionId ?? this.controller?.socket.watchedSession ?? '';
    // The server can list ended sessions it no longer keeps in memory, and watching those fails.
    const watchable = this.sessions.filter((session) => session.watchable);
    const known = watchable.some((session) => session.sessionId === watched);
    const label = (examId: string, ended: boolean) => (ended ? translate('status.session.ended', { examId }) : examId);
    const watchedState = this.consoleState.session;
    return html`
      <label class="session">
        ${translate('status.session')}
        <select @change=${this.onSessionChange} .value=${watched} data-testid="session-picker">
          ${watchable.length === 0 && !watched ? html`<option value="">${translate('status.session.none')}</option>` : ''}
          ${watched && !known
            ? html`<option value=${watched}>${label(watchedState?.examId ?? watched, watchedState !== null && isEndedSession(watchedState))}</option>`
            : ''}
          ${watchable.map(
            (session) =>
              html`<option value=${session.sessionId} ?selected=${session.sessionId === watched}>${label(session.examId, isEndedSession(session))}</option>`,
          )}
        </select>
      </label>
    `;
  }

  /** Notice of a new exam the console does not show because a pin keeps it on another session. */
  private renderNewExamNotice() {
    const announced = findSessionToAnnounce({ sessions: this.sessions, pin: this.sessionPin });
    if (announced === null) return '';
    return html`
      <div class="new-exam" role="status" data-testid="new-exam-notice">
        <span>${translate('status.session.newExam', { examId: announced.examId })}</span>
        <button type="button" @click=${() => this.showAnnouncedSession(announced.sessionId)}>${translate('status.session.showNewExam')}</button>
      </div>
    `;
  }

  private examEnded(): boolean {
    const session = this.consoleState.session;
    return session !== null && isEndedSession(session);
  }

  private errorText(): string {
    if (this.unsentAction && this.connection.kind !== 'open') return translate('error.notSent');
    const error = this.consoleState.lastError;
    if (error !== null) return translate('error.server', { code: error.code, message: error.message });
    if (this.sessionsError !== null) return translate('error.sessions', { detail: this.sessionsError });
    return '';
  }

  private planUnderReview(): boolean {
    const examState = this.consoleState.session?.state;
    return examState !== undefined && PLAN_REVIEW_STATES.includes(examState);
  }

  private renderSlabPanel(state: ConsoleState, slabs: WireSlab[]) {
    const flags = state.segmentation?.flags ?? [];
    return html`
      <lc-slab-panel
        .plan=${state.plan}
        .slabs=${slabs}
        .selectedSlabId=${this.selectedSlabId}
        .pendingSlabIds=${Object.keys(this.pending)}
        .flaggedLevels=${flags.flatMap((flag) => (flag.level ? [flag.level] : []))}
        .alertCodes=${flags.map((flag) => flag.code)}
        .baseline=${state.baseline}
        .adjustable=${this.planUnderReview()}
        .examEnded=${this.examEnded()}
        @slab-select=${(event: CustomEvent<{ slabId: string }>) => (this.selectedSlabId = event.detail.slabId)}
        @slab-adjust=${(event: CustomEvent<{ adjustment: SlabAdjustment }>) => this.controller?.adjust(event.detail.adjustment)}
        @plan-confirm=${(event: CustomEvent<{ slabIds?: string[] }>) => this.controller?.confirm(event.detail.slabIds)}
        @plan-reject=${(event: CustomEvent<{ reason: string }>) => this.controller?.reject(event.detail.reason)}
        @replan-request=${() => this.controller?.requestReplan()}
      ></lc-slab-panel>
    `;
  }

  private renderQcPanel(qcResults: WireQcResult[]) {
    return html`
      <lc-qc-panel
        .results=${qcResults}
        .acquiredSlabs=${this.consoleState.acquiredSlabs}
        .examEnded=${this.examEnded()}
        @qc-acknowledge=${(event: CustomEvent<{ slabId: string; action: 'accept' | 'rescan' }>) =>
          this.controller?.acknowledgeQc(event.detail.slabId, event.detail.action)}
      ></lc-qc-panel>
    `;
  }

  override render() {
    const state = this.consoleState;
    const slabs = this.displayedSlabs();
    const qcResults = Object.values(state.qcResults);
    const overlay = overlaySegmentation(state);
    const hasAlerts = anatomyAlerts(state.segmentation, DEFAULT_MIN_CONFIDENCE).length > 0;
    const slabPanel = this.renderSlabPanel(state, slabs);
    const qcPanel = this.renderQcPanel(qcResults);

    return html`
      <a class="skip" href="#viewer" @click=${(event: Event) => {
        event.preventDefault();
        this.renderRoot.querySelector('lc-localizer-viewer')?.shadowRoot?.querySelector('canvas')?.focus();
      }}>${translate('app.skipToViewer')}</a>
      <header>
        <h1>${translate('app.title')}</h1>
        ${this.renderSessionPicker()}
        <lc-status-bar
          .connection=${this.connection}
          .session=${state.session}
          .serverLatencyMs=${state.lastLatencyMs}
          .paintMs=${this.paintMs}
        ></lc-status-bar>
        <lc-language-switch></lc-language-switch>
        ${this.renderNewExamNotice()}
      </header>
      <lc-prompt .label=${translate('prompt.label')} .text=${this.promptText()} .code=${state.session?.nextAction.code ?? ''}></lc-prompt>
      <lc-flag-banner .segmentation=${state.segmentation} .minConfidence=${DEFAULT_MIN_CONFIDENCE} data-alerts=${hasAlerts ? 'true' : 'false'}></lc-flag-banner>
      <div class="error-line" role="alert" data-testid="error-line">${this.errorText()}</div>
      <main>
        <lc-localizer-viewer
          id="viewer"
          .localizer=${state.localizer}
          .segmentation=${overlay}
          .slabs=${slabs}
          .confirmedSlabIds=${state.plan?.confirmedSlabIds ?? []}
          .qcResults=${state.qcResults}
          .adjustable=${this.planUnderReview()}
          .selectedSlabId=${this.selectedSlabId}
          @slab-select=${(event: CustomEvent<{ slabId: string }>) => (this.selectedSlabId = event.detail.slabId)}
          @slab-adjust=${(event: CustomEvent<{ adjustment: SlabAdjustment }>) => this.controller?.adjust(event.detail.adjustment)}
        ></lc-localizer-viewer>
        <aside>
          <!-- Once QC results arrive they are the technologist's next job, so they move to the top. -->
          ${repeat(
            qcResults.length > 0 ? ['qc', 'plan'] : ['plan', 'qc'],
            (name) => name,
            (name) => (name === 'qc' ? qcPanel : slabPanel),
          )}
        </aside>
      </main>
    `;
  }
}

/** Returns the segmentation to overlay, or null when it belongs to another localizer series than the one shown. */
function overlaySegmentation(state: ConsoleState): ConsoleState['segmentation'] {
  const segmentation = state.segmentation;
  if (segmentation === null || state.localizer === null) return segmentation;
  // A label map belongs to one localizer series; overlaying it on another would mislabel levels.
  if (segmentation.seriesInstanceUid !== state.localizer.seriesInstanceUid) return null;
  return segmentation;
}

customElements.define('lc-console-app', LcConsoleApp);
