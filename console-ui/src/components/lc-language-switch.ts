/** A visible English / 简体中文 switch; each language is named in itself. */
import { LitElement, css, html } from 'lit';

import { LocaleController, SUPPORTED_LOCALES, locale$, setLocale, translate } from '../i18n/locale.ts';
import { sharedStyles } from './sharedStyles.ts';

export class LcLanguageSwitch extends LitElement {
  private readonly locale = new LocaleController(this);

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: inline-flex;
      }
      div {
        display: inline-flex;
        border: 1px solid var(--lc-border);
        border-radius: 6px;
        overflow: hidden;
      }
      button {
        border: none;
        border-radius: 0;
        background: transparent;
        min-width: 5.5rem;
      }
      button[aria-pressed='true'] {
        background: var(--lc-accent);
        color: #001526;
        font-weight: 700;
      }
    `,
  ];

  override render() {
    return html`
      <div role="group" aria-label=${translate('language.label')}>
        ${SUPPORTED_LOCALES.map(
          (code) => html`<button lang=${code} aria-pressed=${locale$.value === code ? 'true' : 'false'} @click=${() => setLocale(code)}>
            ${translate(`language.${code}`)}
          </button>`,
        )}
      </div>
    `;
  }
}

customElements.define('lc-language-switch', LcLanguageSwitch);
