import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../../server/dicom/types.ts';
import { directionLps, pointLpsMm } from '../../../../server/geometry/types.ts';
import { LOCALIZER_UID, SLAB_SERIES_UIDS } from '../../session/doubles.ts';
import { collect, consoleOrigin, messageId, sessionState, startExam, waitUntil } from '../../session/hubHarness.ts';
import { logEntries, startFixture, storescu, writeSeriesFiles } from './listenerHarness.ts';

/** Turns the harness' sagittal slices into axial ones, as a slab acquisition would produce. */
function axial(image: MrImage): void {
  image.geometry = {
    ...image.geometry,
    imagePositionLpsMm: pointLpsMm(-80, -70, 40 + (image.instanceNumber ?? 1) * 4),
    rowCosineLps: directionLps(1, 0, 0),
    columnCosineLps: directionLps(0, 1, 0),
  };
}

test('whole exam by C-STORE reaches QC', async () => {
  const fixture = await startFixture({ seriesQuietMs: 400 });
  try {
    const sessionId = await startExam(fixture.hub, 'exam-1');
    const watcher = collect(fixture.hub.watchSession(sessionId));

    const localizer = await storescu(fixture.listener.port, writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 3));
    assert.is(localizer.exitCode, 0, localizer.output);
    await waitUntil(() => sessionState(fixture.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan', 5000);

    const confirmed = await fixture.hub.handleConsoleMessage({ type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0 }, consoleOrigin());
    assert.is(confirmed[0]?.type, 'ack', JSON.stringify(confirmed));
    await waitUntil(() => logEntries(fixture.logLines, 'planned slabs expected by DICOM').length > 0, 'the plan sent to the scanner');
    assert.equal(logEntries(fixture.logLines, 'planned slabs expected by DICOM')[0]?.slabIds, ['slab-1', 'slab-2', 'slab-3']);

    for (const [index, seriesInstanceUid] of SLAB_SERIES_UIDS.entries()) {
      const files = writeSeriesFiles(fixture.fileDir, seriesInstanceUid, 2, { image: axial });
      const result = await storescu(fixture.listener.port, files);
      assert.is(result.exitCode, 0, result.output);
      await waitUntil(() => fixture.doubles.calls.qc === index + 1, `QC of slab-${index + 1}`, 5000);
    }

    const started = logEntries(fixture.logLines, 'series started from DICOM');
    assert.equal(
      started.map((entry) => [entry.role, entry.slabId]),
      [['localizer', null], ['slab', 'slab-1'], ['slab', 'slab-2'], ['slab', 'slab-3']],
    );
    await waitUntil(() => watcher.messages.filter((message) => message.type === 'qc.result').length === 3, 'three QC results on the console', 5000);
    const rejected = logEntries(fixture.logLines, 'session rejected a DICOM series event');
    assert.equal(rejected, [], 'the session accepted every series event');
    watcher.subscription.unsubscribe();
  } finally {
    await fixture.close();
  }
});

test.run();
