/**
 * Shared pieces of the DICOM listener tests: a real session hub (real DICOM parsing, test doubles
 * for the models), a listener on 127.0.0.1, DICOM files written with dcmjs, and dcmtk's
 * `storescu` and `echoscu` run against that listener.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { MrImage } from '../../../../server/dicom/types.ts';
import { startDicomListener, type RunningDicomListener, type StartDicomListenerOptions } from '../../../../server/dicom/net/storageScp.ts';
import { createSessionHub, type SessionHubWithStats } from '../../../../server/session/sessionHub.ts';
import { writeMrImage } from '../../../../simulator/mrImageWriter.ts';
import { createDoubles, fakeImage, type Doubles } from '../../session/doubles.ts';
import { memoryLogger } from '../../session/hubHarness.ts';

export const STUDY_UID = '1.2.826.0.1.3680043.10.1';

export interface ListenerFixture {
  hub: SessionHubWithStats;
  listener: RunningDicomListener;
  doubles: Doubles;
  logLines: string[];
  dataDir: string;
  fileDir: string;
  close(): Promise<void>;
}

/** Starts a hub on a fresh data folder and a listener on a free loopback port. */
export async function startFixture(options: Partial<Omit<StartDicomListenerOptions, 'hub' | 'logger' | 'port'>> = {}, dataDir?: string): Promise<ListenerFixture> {
  const ownDataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'lumbar-dicomnet-'));
  const fileDir = mkdtempSync(join(tmpdir(), 'lumbar-dicomnet-files-'));
  const doubles = createDoubles();
  const { logger, lines } = memoryLogger();
  const hub = createSessionHub({
    dataDir: ownDataDir,
    segmenter: doubles.services.segmenter,
    planner: doubles.services.planner,
    qc: doubles.services.qc,
    loadProtocol: doubles.services.loadProtocol,
    logger,
  });
  const listener = await startDicomListener({ port: 0, host: '127.0.0.1', seriesQuietMs: 300, ...options, hub, logger });
  return {
    hub,
    listener,
    doubles,
    logLines: lines,
    dataDir: ownDataDir,
    fileDir,
    async close() {
      await listener.close();
      await hub.close();
      rmSync(fileDir, { recursive: true, force: true });
      if (dataDir === undefined) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

export interface SeriesFileEdits {
  /** Changes an image before it is encoded. */
  image?: (image: MrImage) => void;
  /** Changes the encoded Part 10 bytes. */
  bytes?: (bytes: Uint8Array) => Uint8Array;
}

/** Writes `count` slices of a sagittal series (8 x 8, 4 mm apart) as MR Image Storage files and returns their paths. */
export function writeSeriesFiles(folder: string, seriesInstanceUid: string, count: number, edits: SeriesFileEdits = {}): string[] {
  const paths: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const image = fakeImage(seriesInstanceUid, index);
    edits.image?.(image);
    const path = join(folder, `${seriesInstanceUid}-${index + 1}.dcm`);
    const bytes = writeMrImage(image);
    writeFileSync(path, edits.bytes === undefined ? bytes : edits.bytes(bytes));
    paths.push(path);
  }
  return paths;
}

export interface ToolResult {
  exitCode: number;
  output: string;
}

/** Runs a dcmtk tool and collects its output; a non-zero exit is returned, not thrown. */
export function runTool(command: string, args: string[], timeoutMs = 20_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      let exitCode = 0;
      if (error !== null) exitCode = typeof error.code === 'number' ? error.code : 1;
      resolve({ exitCode, output: `${stdout}${stderr}` });
    });
  });
}

/** Sends files with `storescu` from calling AE `callingAe`; `extra` adds options such as `-xi`. */
export function storescu(port: number, files: string[], callingAe = 'SCANNER1', extra: string[] = []): Promise<ToolResult> {
  return runTool('/usr/bin/storescu', ['-v', '-nh', '-aet', callingAe, '-aec', 'LUMBARCOPILOT', ...extra, '127.0.0.1', String(port), ...files]);
}

export function echoscu(port: number, callingAe = 'SCANNER1'): Promise<ToolResult> {
  return runTool('/usr/bin/echoscu', ['-v', '-aet', callingAe, '-aec', 'LUMBARCOPILOT', '127.0.0.1', String(port)]);
}

/** Log lines (pino JSON) whose `msg` equals `message`. */
export function logEntries(lines: string[], message: string): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === message);
}
