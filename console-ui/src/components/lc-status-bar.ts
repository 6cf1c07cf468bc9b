/** Connection, scanner, latency and model status on single-line cells, so updates never change the bar's height. */
import { LitElement, css, html } from 'lit';

import type { ConnectionStatus } from '../connection/consoleSocket.ts';
import { isEndedSession } from '../controller/sessionSelection.ts';
import { LocaleController, translate } from '../i18n/locale.ts';
import type { SessionStateMessage } from '../wire.ts';
import { sharedStyles } from './sharedStyles.ts';

export class LcStatusBar extends LitElement {
  static override properties = {
    connection: { attribute: false },
    session: { attribute: false },
    serverLatencyMs: { attribute: false },
    paintMs: { attribute: false },
  };

  declare connection: ConnectionStatus;
  declare session: SessionStateMessage | null;
  /** Last server time from an inbound event to the state message it caused, null until one is measured. */
  declare serverLatencyMs: number | null;
  /** Time from receiving the last state-changing message to the next painted frame. */
  declare paintMs: number | null;

  private readonly locale = new LocaleController(this);

  constructor() {
    super();
    this.connection = { kind: 'connecting' };
    this.session = null;
    this.serverLatencyMs = null;
    this.paintMs = null;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      dl {
        display: grid;
        grid-template-columns: repeat(4, minmax(0, auto));
        gap: 0.25rem 1.25rem;
        margin: 0;
        align-items: baseline;
      }
      .cell {
        display: flex;
        gap: 0.4rem;
        align-items: baseline;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      dt {
        color: var(--lc-muted);
        font-size: 0.85rem;
      }
      dd {
        margin: 0;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .dot {
        display: inline-block;
        width: 0.7rem;
        height: 0.7rem;
        border-radius: 50%;
        margin-right: 0.3rem;
        vertical-align: baseline;
      }
      .ok {
        background: var(--lc-pass);
      }
      .warn {
        background: var(--lc-warn);
      }
      .bad {
        background: var(--lc-fail);
      }
      .idle {
        background: var(--lc-muted);
      }
      @media (max-width: 1000px) {
        dl {
          grid-template-columns: repeat(2, minmax(0, 1fr));
        }
      }
    `,
  ];

  private connectionText(): { text: string; tone: 'ok' | 'warn' | 'bad' } {
    switch (this.connection.kind) {
      case 'open':
        return { text: translate('status.connection.open'), tone: 'ok' };
      case 'connecting':
        return { text: translate('status.connection.connecting'), tone: 'warn' };
      case 'reconnecting':
        return {
          text: translate('status.connection.reconnecting', { seconds: (this.connection.retryInMs / 1000).toFixed(1) }),
          tone: 'warn',
        };
      case 'offline':
        return { text: translate('status.connection.offline'), tone: 'bad' };
    }
  }

  /** Returns the scanner cell text and dot tone. An ended exam has no scanner link, which is normal, so it is not shown as a fault. */
  private scannerText(): { text: string; tone: 'ok' | 'idle' | 'bad' } {
    if (this.session !== null && isEndedSession(this.session)) return { text: translate('status.scanner.examEnded'), tone: 'idle' };
    if (this.session?.scannerConnected === true) return { text: translate('status.scanner.connected'), tone: 'ok' };
    return { text: translate('status.scanner.disconnected'), tone: 'bad' };
  }

  private latencyText(): string {
    const paintMs = this.paintMs === null ? null : Math.round(this.paintMs);
    if (this.serverLatencyMs !== null) {
      const serverMs = Math.round(this.serverLatencyMs);
      return paintMs === null ? translate('status.latency.serverOnly', { serverMs }) : translate('status.latency.value', { serverMs, paintMs });
    }
    // The server times only state changes caused by an inbound event, so a console that has
    // just connected, or an exam that has received nothing yet, has the screen time alone.
    if (paintMs !== null) return translate('status.latency.screenOnly', { paintMs });
    return translate('status.latency.none');
  }

  override render() {
    const connection = this.connectionText();
    const model = this.session?.model ?? null;
    const scanner = this.scannerText();
    return html`
      <dl aria-label=${translate('status.label')}>
        <div class="cell" data-testid="status-connection">
          <dt>${translate('status.connection')}</dt>
          <dd><span class="dot ${connection.tone}" aria-hidden="true"></span>${connection.text}</dd>
        </div>
        <div class="cell" data-testid="status-scanner">
          <dt>${translate('status.scanner')}</dt>
          <dd><span class="dot ${scanner.tone}" aria-hidden="true"></span>${scanner.text}</dd>
        </div>
        <div class="cell" data-testid="status-latency" title=${translate('status.latency.help')}>
          <dt>${translate('status.latency')}</dt>
          <dd>${this.latencyText()}</dd>
        </div>
        <div class="cell" data-testid="status-model">
          <dt>${translate('status.model')}</dt>
          <dd>
            ${model === null
              ? translate('status.model.none')
              : translate('status.model.value', { name: model.name, version: model.version, provider: model.executionProvider })}
          </dd>
        </div>
      </dl>
    `;
  }
}

customElements.define('lc-status-bar', LcStatusBar);
