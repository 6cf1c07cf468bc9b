import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { en } from '../../console-ui/src/i18n/en.ts';
import { formatMessage, localizedText, translate } from '../../console-ui/src/i18n/locale.ts';
import { zhCN } from '../../console-ui/src/i18n/zh-CN.ts';

function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

test('catalogues have the same keys', () => {
  assert.equal(Object.keys(zhCN).sort(), Object.keys(en).sort());
});

test('catalogues have the same placeholders', () => {
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    assert.equal(placeholders(zhCN[key]), placeholders(en[key]), `placeholders of ${key}`);
  }
});

test('no catalogue entry is empty', () => {
  for (const [key, value] of [...Object.entries(en), ...Object.entries(zhCN)]) {
    assert.ok(value.trim().length > 0, `empty message ${key}`);
  }
});

test('Chinese keeps fixed technical terms', () => {
  for (const [key, english] of Object.entries(en) as [keyof typeof en, string][]) {
    for (const term of ['DICOM', 'FOV', 'SNR', 'ms', 'mm']) {
      if (new RegExp(`\\b${term}\\b`).test(english)) assert.ok(zhCN[key].includes(term), `${key} must keep ${term} untranslated`);
    }
  }
});

test('Chinese messages are translated', () => {
  const sameAsEnglish = (Object.keys(en) as (keyof typeof en)[]).filter((key) => zhCN[key] === en[key]);
  // Language names are written in their own language in both catalogues.
  assert.equal(sameAsEnglish, ['language.en', 'language.zh-CN']);
});

test('every planner warning has text', () => {
  // Without catalogue text a warning shows the planner's English message in every language.
  const planningDir = resolve(import.meta.dirname, '../../server/planning');
  const codes = new Set<string>();
  for (const file of readdirSync(planningDir).filter((name) => name.endsWith('.ts'))) {
    for (const match of readFileSync(resolve(planningDir, file), 'utf8').matchAll(/code: '([A-Z_]+)'/g)) codes.add(match[1]);
  }
  assert.ok(codes.size >= 10, `found only ${codes.size} warning codes in server/planning`);
  for (const code of codes) {
    assert.ok(`plan.warning.${code}` in en || `flags.${code}` in en, `no catalogue text for planner warning ${code}`);
  }
});

test('formatMessage fills and keeps unknown placeholders', () => {
  assert.equal(formatMessage('Slice {index} of {count}', { index: 3, count: 5 }), 'Slice 3 of 5');
  assert.equal(formatMessage('Level {level}', {}), 'Level {level}');
});

test('translate picks the requested language', () => {
  assert.equal(translate('qc.verdict.fail', undefined, 'en'), 'Fail');
  assert.equal(translate('qc.verdict.fail', undefined, 'zh-CN'), '不通过');
});

test('localizedText falls back to English', () => {
  assert.equal(localizedText({ en: 'Confirm', 'zh-CN': '确认' }, 'zh-CN'), '确认');
  assert.equal(localizedText({ en: 'Confirm', 'zh-CN': '' }, 'zh-CN'), 'Confirm');
});

test('Chinese uses one term each for slab and limit', () => {
  // 扫描块 for "slab" and 限值 for "limit", the terms the server's QC messages use.
  for (const [key, text] of Object.entries(zhCN)) {
    assert.not.match(text, /层块/, `${key} says 层块; use 扫描块`);
    assert.not.match(text, /阈值/, `${key} says 阈值; use 限值`);
  }
});

test.run();
