/** Colours, type and focus rings shared by every console component. */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    --lc-bg: #0f1419;
    --lc-panel: #182029;
    --lc-panel-raised: #212b36;
    --lc-border: #33414f;
    --lc-text: #e8edf2;
    --lc-muted: #a3b1bf;
    --lc-accent: #4db8ff;
    --lc-selected: #ffd24d;
    --lc-pass: #3ecf7a;
    --lc-warn: #ffb020;
    --lc-fail: #ff5a5f;
    --lc-focus: #ffffff;
    color: var(--lc-text);
    font-family: 'Noto Sans', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif;
    font-variant-numeric: tabular-nums;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 3px solid var(--lc-focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    color: var(--lc-text);
    background: var(--lc-panel-raised);
    border: 1px solid var(--lc-border);
    border-radius: 6px;
    padding: 0.45rem 0.8rem;
    min-height: 2.5rem;
    cursor: pointer;
  }
  button:hover {
    border-color: var(--lc-accent);
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  button.primary {
    background: #1f6feb;
    border-color: #1f6feb;
    font-weight: 600;
  }
  button.danger {
    border-color: var(--lc-fail);
  }
  input,
  select {
    font: inherit;
    color: var(--lc-text);
    background: var(--lc-bg);
    border: 1px solid var(--lc-border);
    border-radius: 4px;
    padding: 0.3rem 0.4rem;
    min-height: 2.2rem;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  h2 {
    font-size: 1.05rem;
    margin: 0 0 0.5rem;
    font-weight: 600;
  }
`;
