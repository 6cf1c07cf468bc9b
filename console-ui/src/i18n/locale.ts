/**
 * The console's current language and message lookup. The language can change at run time;
 * components re-render through `LocaleController`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { BehaviorSubject, type Subscription } from 'rxjs';

import type { LocalizedTextWire, SupportedLocale } from '../wire.ts';
import { en, type MessageKey } from './en.ts';
import { zhCN } from './zh-CN.ts';

export const SUPPORTED_LOCALES: readonly SupportedLocale[] = ['en', 'zh-CN'];

const catalogues: Record<SupportedLocale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export const locale$ = new BehaviorSubject<SupportedLocale>('en');

export function isSupportedLocale(value: unknown): value is SupportedLocale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

export function setLocale(next: SupportedLocale): void {
  if (locale$.value !== next) locale$.next(next);
}

/** Replaces each `{name}` with `params[name]`; unknown placeholders stay visible so a gap shows. */
export function formatMessage(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translate(key: MessageKey, params?: Record<string, string | number>, locale: SupportedLocale = locale$.value): string {
  return formatMessage(catalogues[locale][key], params);
}

/** Picks the current language out of a text the server sent in both languages. */
export function localizedText(text: LocalizedTextWire, locale: SupportedLocale = locale$.value): string {
  return text[locale] || text.en;
}

/** Looks up a message only when the key exists, for codes that arrive from the server. */
export function translateIfKnown(key: string, params?: Record<string, string | number>): string | null {
  return isMessageKey(key) ? translate(key, params) : null;
}

function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** Formats numbers the same way in every language, so values do not jump when switching. */
export function formatNumber(value: number, fractionDigits: number): string {
  return value.toFixed(fractionDigits);
}

/** Re-renders its host when the language changes. */
export class LocaleController implements ReactiveController {
  private subscription: Subscription | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    this.subscription = locale$.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }
}
