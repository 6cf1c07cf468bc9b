import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { dcmjsData } from '../../../../server/dicom/dcmjsLibrary.ts';
import { SECONDARY_CAPTURE_STORAGE, writeClassicImage, writeEnhancedImage } from '../dicomFixtures.ts';
import { createSessionHub } from '../../../../server/session/sessionHub.ts';
import { createDoubles, LOCALIZER_UID } from '../../session/doubles.ts';
import { collect, memoryLogger, sessionState, startExam, waitUntil } from '../../session/hubHarness.ts';
import { echoscu, logEntries, startFixture, storescu, STUDY_UID, writeSeriesFiles } from './listenerHarness.ts';

/** Rewrites attributes of a Part 10 file; a null value removes the attribute. */
function editDataset(bytes: Uint8Array, changes: Record<string, unknown>): Uint8Array {
  const dict = dcmjsData.DicomMessage.readFile(bytes.slice().buffer);
  const natural = dcmjsData.DicomMetaDictionary.naturalizeDataset(dict.dict);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete natural[name];
    else natural[name] = value;
  }
  natural._vrMap = { PixelData: 'OW' };
  dict.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(natural);
  return new Uint8Array(dict.write());
}

for (const { name, option } of [
  { name: 'explicit VR little endian', option: '-xe' },
  { name: 'implicit VR little endian', option: '-xi' },
  { name: 'deflated explicit little endian', option: '-xd' },
]) {
  test(`localizer by C-STORE in ${name}`, async () => {
    const fixture = await startFixture();
    try {
      const sessionId = await startExam(fixture.hub, 'exam-1');
      const watcher = collect(fixture.hub.watchSession(sessionId));
      const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 3);
      const result = await storescu(fixture.listener.port, files, 'SCANNER1', [option]);
      assert.is(result.exitCode, 0, result.output);
      assert.is((result.output.match(/Received Store Response \(Success\)/g) ?? []).length, 3, result.output);

      await waitUntil(() => sessionState(fixture.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan', 5000);
      assert.is(fixture.doubles.calls.segment, 1);
      await waitUntil(() => watcher.messages.some((message) => message.type === 'localizer'), 'the localizer on the console');
      const localizer = watcher.messages.find((message) => message.type === 'localizer');
      assert.is(localizer?.type === 'localizer' ? localizer.images.length : 0, 3, 'the console receives the localizer');
      const completions = logEntries(fixture.logLines, 'series complete from DICOM');
      assert.is(completions.length, 1);
      assert.is(completions[0]?.reason, 'quiet-period');
      assert.is(completions[0]?.imageCount, 3);
      watcher.subscription.unsubscribe();
    } finally {
      await fixture.close();
    }
  });
}

test('echo answers success', async () => {
  const fixture = await startFixture();
  try {
    const result = await echoscu(fixture.listener.port);
    assert.is(result.exitCode, 0, result.output);
    assert.match(result.output, /Received Echo Response \(Success\)/);
  } finally {
    await fixture.close();
  }
});

test('expected count completes without quiet period', async () => {
  const fixture = await startFixture({ seriesQuietMs: 600_000 });
  try {
    const sessionId = await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 3, { bytes: (bytes) => editDataset(bytes, { ImagesInAcquisition: 3 }) });
    const result = await storescu(fixture.listener.port, files);
    assert.is(result.exitCode, 0, result.output);
    await waitUntil(() => sessionState(fixture.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan', 5000);
    const completions = logEntries(fixture.logLines, 'series complete from DICOM');
    assert.is(completions[0]?.reason, 'expected-count');
  } finally {
    await fixture.close();
  }
});

test('unknown calling AE rejected at association', async () => {
  const fixture = await startFixture({ allowedCallingAeTitles: ['SCANNER1'] });
  try {
    const sessionId = await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1);
    const result = await storescu(fixture.listener.port, files, 'INTRUDER');
    assert.is.not(result.exitCode, 0, result.output);
    assert.match(result.output, /Association Rejected/);
    assert.match(result.output, /Calling AE Title Not Recognized/i);
    assert.is(logEntries(fixture.logLines, 'association rejected: calling AE title is not in --allow-calling-ae').length, 1);
    assert.is(sessionState(fixture.hub, sessionId), 'localizer.waiting');

    const allowed = await echoscu(fixture.listener.port, 'SCANNER1');
    assert.is(allowed.exitCode, 0, allowed.output);
  } finally {
    await fixture.close();
  }
});

test('unsupported SOP class rejected at association', async () => {
  const fixture = await startFixture();
  try {
    await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1, {
      bytes: (bytes) => {
      const ct = editDataset(bytes, { SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', Modality: 'CT' });
      const dict = dcmjsData.DicomMessage.readFile(ct.slice().buffer);
      dict.meta = dcmjsData.DicomMetaDictionary.denaturalizeDataset({
        ...dcmjsData.DicomMetaDictionary.naturalizeDataset(dict.meta),
        MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      });
      return new Uint8Array(dict.write());
      },
    });
    const result = await storescu(fixture.listener.port, files, 'SCANNER1', ['-R']);
    assert.is.not(result.exitCode, 0, result.output);
    assert.match(result.output, /no presentation context|No Acceptable Presentation Contexts|not accepted/i);
    assert.is(fixture.hub.stats().openSessions, 1);
  } finally {
    await fixture.close();
  }
});

test('enhanced MR and secondary capture', async () => {
  const fixture = await startFixture();
  try {
    await startExam(fixture.hub, 'exam-1');
    const enhancedPath = join(fixture.fileDir, 'enhanced.dcm');
    writeFileSync(enhancedPath, writeEnhancedImage({ frames: [{ imagePositionPatient: [0, 0, 0] }, { imagePositionPatient: [0, 0, 3] }] }));
    const capturePath = join(fixture.fileDir, 'capture.dcm');
    writeFileSync(capturePath, writeClassicImage({ sopClassUid: SECONDARY_CAPTURE_STORAGE, sopInstanceUid: '1.2.826.0.1.3680043.9.3.1', seriesInstanceUid: '1.2.826.0.1.3680043.9.3' }));
    const noGeometryPath = join(fixture.fileDir, 'capture-without-geometry.dcm');
    writeFileSync(
      noGeometryPath,
      writeClassicImage({
        sopClassUid: SECONDARY_CAPTURE_STORAGE,
        sopInstanceUid: '1.2.826.0.1.3680043.9.4.1',
        seriesInstanceUid: '1.2.826.0.1.3680043.9.4',
        omit: ['ImagePositionPatient', 'ImageOrientationPatient'],
      }),
    );

    const result = await storescu(fixture.listener.port, [enhancedPath, capturePath, noGeometryPath]);
    assert.is((result.output.match(/Received Store Response \(Success\)/g) ?? []).length, 2, result.output);
    const rejected = logEntries(fixture.logLines, 'instance rejected');
    assert.is(rejected.length, 1);
    assert.is(rejected[0]?.sopInstanceUid, '1.2.826.0.1.3680043.9.4.1');
    assert.is(rejected[0]?.code, 'ERR_MISSING_GEOMETRY');

    // The series whose only instance was rejected never completes, because only acknowledged instances count.
    await waitUntil(() => logEntries(fixture.logLines, 'series complete from DICOM').length === 2, 'two completed series', 5000);
    const started = logEntries(fixture.logLines, 'series started from DICOM');
    const enhanced = started.find((entry) => entry.seriesInstanceUid === '1.2.826.0.1.3680043.9.2.2');
    assert.is(enhanced?.role, 'sagittal', 'the axial enhanced series is recorded, not planned from');
    const capture = started.find((entry) => entry.seriesInstanceUid === '1.2.826.0.1.3680043.9.3');
    assert.is(capture?.role, 'localizer');
    const completed = logEntries(fixture.logLines, 'series complete from DICOM');
    assert.is(completed.find((entry) => entry.seriesInstanceUid === '1.2.826.0.1.3680043.9.2.2')?.imageCount, 2, 'each frame counts as an image');
    assert.is(logEntries(fixture.logLines, 'series complete with a different image count than received').length, 0);
  } finally {
    await fixture.close();
  }
});

test('dataset without geometry gets failure status', async () => {
  const fixture = await startFixture();
  try {
    const sessionId = await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1, {
      bytes: (bytes) => editDataset(bytes, { ImageOrientationPatient: null, ImagePositionPatient: null }),
    });
    const result = await storescu(fixture.listener.port, files);
    assert.match(result.output, /Received Store Response \((Error|Failure)/, result.output);
    assert.not.match(result.output, /Received Store Response \(Success\)/);
    const rejected = logEntries(fixture.logLines, 'instance rejected');
    assert.is(rejected.length, 1);
    assert.is(rejected[0]?.sopInstanceUid, `${LOCALIZER_UID}.1`);
    assert.is(rejected[0]?.status, 0xc000);
    assert.ok(String(rejected[0]?.code).startsWith('ERR_MISSING'), String(rejected[0]?.code));
    assert.is(sessionState(fixture.hub, sessionId), 'localizer.receiving');

    const echo = await echoscu(fixture.listener.port);
    assert.is(echo.exitCode, 0, 'the listener keeps running');
  } finally {
    await fixture.close();
  }
});

test('truncated pixel data gets failure status', async () => {
  const fixture = await startFixture();
  try {
    await startExam(fixture.hub, 'exam-1');
    // storescu (dcmtk 3.6.7) refuses to send a file cut inside an element, so the file keeps a
    // well-formed Pixel Data element that contains half of the 8 x 8 x 2 bytes the header promises.
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1, { bytes: (bytes) => editDataset(bytes, { PixelData: [new ArrayBuffer(64)] }) });
    const result = await storescu(fixture.listener.port, files);
    assert.match(result.output, /Sending Store Request/, result.output);
    assert.not.match(result.output, /Received Store Response \(Success\)/, result.output);
    const rejected = logEntries(fixture.logLines, 'instance rejected');
    assert.is(rejected.length, 1);
    assert.is(rejected[0]?.sopInstanceUid, `${LOCALIZER_UID}.1`);
    assert.is(rejected[0]?.status, 0xc000);

    const echo = await echoscu(fixture.listener.port);
    assert.is(echo.exitCode, 0, 'the listener keeps running');
  } finally {
    await fixture.close();
  }
});

test('dropped association loses nothing acknowledged', async () => {
  const fixture = await startFixture({ seriesQuietMs: 1500 });
  const dataDir = fixture.dataDir;
  try {
    const sessionId = await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 6);
    const child = spawn('/usr/bin/storescu', ['-v', '-aet', 'SCANNER1', '-aec', 'LUMBARCOPILOT', '127.0.0.1', String(fixture.listener.port), ...files]);
    let output = '';
    const acknowledged = await new Promise<number>((resolve) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const count = (output.match(/Received Store Response \(Success\)/g) ?? []).length;
        if (count >= 2) {
          child.kill('SIGKILL');
          resolve(count);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', () => resolve((output.match(/Received Store Response \(Success\)/g) ?? []).length));
    });
    assert.ok(acknowledged >= 2, output);
    assert.ok(acknowledged < 6, `the sender was stopped before the last file: ${output}`);

    // The quiet period ends the partial series; the session segments what arrived.
    await waitUntil(() => logEntries(fixture.logLines, 'series complete from DICOM').length === 1, 'the partial series', 5000);
    const completed = logEntries(fixture.logLines, 'series complete from DICOM')[0];
    assert.ok(Number(completed?.imageCount) >= acknowledged, 'every acknowledged instance is in the series');

    // Sending the whole series again completes it with every instance.
    const resent = await storescu(fixture.listener.port, files);
    assert.is(resent.exitCode, 0, resent.output);
    await waitUntil(() => logEntries(fixture.logLines, 'series complete from DICOM').length === 2, 'the resent series', 5000);
    assert.is(logEntries(fixture.logLines, 'series complete from DICOM')[1]?.imageCount, 6);
    assert.is(logEntries(fixture.logLines, 'series complete with a different image count than received').length, 0);
    await fixture.listener.close();
    await fixture.hub.close();

    // A new hub on the same journal restores every acknowledged image.
    const { logger } = memoryLogger();
    const doubles = createDoubles();
    const restarted = createSessionHub({ dataDir, segmenter: doubles.services.segmenter, planner: doubles.services.planner, qc: doubles.services.qc, loadProtocol: doubles.services.loadProtocol, logger });
    try {
      const watcher = collect(restarted.watchSession(sessionId));
      await waitUntil(() => watcher.messages.some((message) => message.type === 'localizer'), 'the restored localizer', 5000);
      const localizer = watcher.messages.find((message) => message.type === 'localizer');
      const restoredUids = localizer?.type === 'localizer' ? localizer.images.map((image) => image.sopInstanceUid) : [];
      assert.ok(restoredUids.length >= acknowledged, `restored ${restoredUids.length}, acknowledged ${acknowledged}`);
      watcher.subscription.unsubscribe();
    } finally {
      await restarted.close();
    }
  } finally {
    await fixture.close().catch(() => undefined);
  }
});

test('study UID routing starts an exam', async () => {
  const fixture = await startFixture({ routing: 'study-uid', startExams: true });
  try {
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 3);
    const result = await storescu(fixture.listener.port, files);
    assert.is(result.exitCode, 0, result.output);
    const session = fixture.hub.listSessions().find((entry) => entry.examId === STUDY_UID);
    assert.ok(session !== undefined, 'an exam named by the Study Instance UID is open');
    await waitUntil(() => sessionState(fixture.hub, session?.sessionId ?? '') === 'planning.awaitingTechnologist', 'the proposed plan', 5000);
  } finally {
    await fixture.close();
  }
});

test('no open exam gets failure status', async () => {
  const fixture = await startFixture();
  try {
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1);
    const result = await storescu(fixture.listener.port, files);
    assert.not.match(result.output, /Received Store Response \(Success\)/, result.output);
    const rejected = logEntries(fixture.logLines, 'instance rejected');
    assert.is(rejected[0]?.code, 'ERR_NO_OPEN_EXAM');
    assert.is(rejected[0]?.status, 0x0110);
  } finally {
    await fixture.close();
  }
});

test.run();
