import { join, resolve } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { contentTypeFor, resolveConsolePath } from '../../../server/transport/staticFiles.ts';

const consoleDir = resolve('/srv/console-ui');

test('index served at root', () => {
  assert.is(resolveConsolePath(consoleDir, '/'), join(consoleDir, 'index.html'));
  assert.is(resolveConsolePath(consoleDir, '/index.html'), join(consoleDir, 'index.html'));
});

test('dist files resolved inside dist', () => {
  assert.is(resolveConsolePath(consoleDir, '/dist/main.js'), join(consoleDir, 'dist', 'main.js'));
  assert.is(resolveConsolePath(consoleDir, '/dist/assets/app.css'), join(consoleDir, 'dist', 'assets', 'app.css'));
});

test('paths leaving dist rejected', () => {
  for (const path of ['/dist/../package.json', '/dist/..%2F..%2Fpackage.json', '/dist/%2e%2e/secret.js', '/dist/.env.js', '/dist/a%00.js', '/src/main.ts', '/dist/']) {
    assert.is(resolveConsolePath(consoleDir, path), null, path);
  }
});

test('unknown extensions not served', () => {
  assert.is(resolveConsolePath(consoleDir, '/dist/main.ts'), null);
  assert.is(resolveConsolePath(consoleDir, '/dist/data.bin'), null);
});

test('content types', () => {
  assert.is(contentTypeFor('a.js'), 'text/javascript; charset=utf-8');
  assert.is(contentTypeFor('a.HTML'), 'text/html; charset=utf-8');
  assert.is(contentTypeFor('a.css'), 'text/css; charset=utf-8');
  assert.is(contentTypeFor('a.map'), 'application/json; charset=utf-8');
  assert.is(contentTypeFor('a.exe'), null);
});

test.run();
