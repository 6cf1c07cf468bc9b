/**
 * Checks of the folders and files a command writes to, run before the command starts its work,
 * so a wrong path fails at once with the path and the fix. Each check throws `UsageError`.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { UsageError } from './options.ts';

/**
 * Creates the folder `path` names, with any missing parents, and checks that it is a writable
 * folder. `option` names the command-line option in the messages, such as `--data-dir`.
 */
export function prepareWritableFolder(path: string, option: string): void {
  const absolute = resolve(path);
  const missing: string[] = [];
  let existing = absolute;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    existing = dirname(existing);
  }

  if (!statSync(existing).isDirectory()) {
    const subject = existing === absolute ? 'it' : existing;
    throw new UsageError(`Invalid ${option} "${path}": ${subject} is a file, not a folder. Pass a folder path.`);
  }
  requireWritable(existing, path, option);

  // One mkdirSync per level, because mkdirSync with `recursive: true` loops forever on Node 20.20
  // when mkdir returns ENOENT for a child of an existing folder, as it does under /proc.
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      throw new UsageError(`Invalid ${option} "${path}": creating ${folder} failed (${errorReason(error)}). Pass a folder you can write to.`);
    }
  }
}

/**
 * Checks that a file can be written at `path`: its folder exists, the path is not a folder, and
 * opening it for appending succeeds. The probe leaves an existing file unchanged and removes a
 * file it created. `option` names the command-line option in the messages, such as `--report`.
 */
export function checkOutputFile(path: string, option: string): void {
  const absolute = resolve(path);
  const existed = existsSync(absolute);
  if (existed && statSync(absolute).isDirectory()) {
    throw new UsageError(`Invalid ${option} "${path}": it is a folder. Pass a file path, such as ${join(path, 'report.json')}.`);
  }
  const folder = dirname(absolute);
  if (!existsSync(folder)) {
    throw new UsageError(`Invalid ${option} "${path}": folder ${folder} does not exist. Create it first, or pass a path in an existing folder.`);
  }
  if (!statSync(folder).isDirectory()) {
    throw new UsageError(`Invalid ${option} "${path}": ${folder} is a file, not a folder. Pass a path in an existing folder.`);
  }

  let descriptor: number;
  try {
    descriptor = openSync(absolute, 'a');
  } catch (error) {
    throw new UsageError(`Invalid ${option} "${path}": opening it for writing failed (${errorReason(error)}). Pass a path in a folder you can write to.`);
  }
  closeSync(descriptor);
  if (!existed) unlinkSync(absolute);
}

/** Writes a report file checked earlier by `checkOutputFile`; a failure names the path and the cause. */
export function writeOutputFile(path: string, text: string, option: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new Error(`Writing the ${option} file ${path} failed (${errorReason(error)}). Check the free disk space and the folder's permissions.`);
  }
}

function requireWritable(folder: string, path: string, option: string): void {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new UsageError(`Invalid ${option} "${path}": folder ${folder} is not writable (${errorReason(error)}). Pass a folder you can write to.`);
  }
}

/** Returns the code and description of a file system error, such as `ENOENT: no such file or directory`. */
function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^(E[A-Z]+: [^,]+)/.exec(message)?.[1] ?? message;
}
