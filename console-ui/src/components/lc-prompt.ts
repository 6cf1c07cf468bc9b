/**
 * The one next action, large and calm. Its box has a fixed height, so a longer or shorter
 * prompt never moves the rest of the screen; screen readers hear each change politely.
 */
import { LitElement, css, html } from 'lit';

import { LocaleController } from '../i18n/locale.ts';
import { sharedStyles } from './sharedStyles.ts';

export class LcPrompt extends LitElement {
  static override properties = {
    text: { type: String },
    label: { type: String },
    code: { type: String },
  };

  declare text: string;
  declare label: string;
  /** The server's `nextAction.code`, exposed for styling and tests. */
  declare code: string;

  private readonly locale = new LocaleController(this);

  constructor() {
    super();
    this.text = '';
    this.label = '';
    this.code = '';
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        height: 5.5rem;
        display: flex;
        align-items: center;
        gap: 1rem;
        padding: 0 1.25rem;
        background: var(--lc-panel);
        border-left: 6px solid var(--lc-accent);
        border-radius: 8px;
        overflow: hidden;
      }
      .label {
        color: var(--lc-muted);
        font-size: 0.95rem;
        text-transform: uppercase;
        letter-spacing: 0.06em;
        flex: none;
      }
      .text {
        font-size: 1.7rem;
        line-height: 1.25;
        font-weight: 600;
        display: -webkit-box;
        -webkit-line-clamp: 2;
        -webkit-box-orient: vertical;
        overflow: hidden;
      }
      @media (max-width: 1100px) {
        section {
          height: 6.5rem;
        }
        .text {
          font-size: 1.35rem;
        }
      }
    `,
  ];

  override render() {
    return html`
      <section role="status" aria-live="polite" aria-atomic="true" data-code=${this.code}>
        <span class="label">${this.label}</span>
        <span class="text" data-testid="prompt-text">${this.text}</span>
      </section>
    `;
  }
}

customElements.define('lc-prompt', LcPrompt);
