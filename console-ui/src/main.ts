/**
 * Console entry point: reads the token, session and language from the page address, then
 * mounts `<lc-console-app>`. Bundled by `console-ui/build.mjs` into `console-ui/dist/main.js`.
 */
import './components/lc-console-app.ts';

import type { LcConsoleApp } from './components/lc-console-app.ts';
import { ConsoleController } from './controller/consoleController.ts';
import { isSupportedLocale, locale$, setLocale } from './i18n/locale.ts';

const LOCALE_STORAGE_KEY = 'lumbar-copilot.locale';

function startConsole(): void {
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token');

  const storedLocale = window.localStorage.getItem(LOCALE_STORAGE_KEY);
  const requestedLocale = params.get('lang') ?? storedLocale;
  if (isSupportedLocale(requestedLocale)) setLocale(requestedLocale);
  locale$.subscribe((locale) => {
    document.documentElement.lang = locale;
    window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  });

  const app = document.createElement('lc-console-app') as LcConsoleApp;
  app.requestedSessionId = params.get('session');
  if (token === null || token === '') {
    app.missingToken = true;
  } else {
    const socketProtocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    app.controller = new ConsoleController({
      url: `${socketProtocol}//${window.location.host}/v1/console?token=${encodeURIComponent(token)}`,
      httpBaseUrl: window.location.origin,
      token,
    });
  }
  document.body.append(app);
}

startConsole();
