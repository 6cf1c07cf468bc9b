import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseDicomPart10 } from '../../../../server/dicom/parse.ts';
import { dcmjsData } from '../../../../server/dicom/dcmjsLibrary.ts';
import { DicomListenerOptionsError, parseDicomListenerOptions } from '../../../../server/dicom/net/listenerOptions.ts';
import { readInstanceHeader, wrapAsPart10, type InstanceHeader } from '../../../../server/dicom/net/part10.ts';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  isCallingAeAllowed,
  MR_IMAGE_STORAGE_SOP_CLASS_UID,
  negotiatePresentationContext,
  VERIFICATION_SOP_CLASS_UID,
} from '../../../../server/dicom/net/presentationContexts.ts';
import { chooseSeriesRole, routeInstance } from '../../../../server/dicom/net/routing.ts';
import { SeriesCompletion, type CompletedSeries } from '../../../../server/dicom/net/seriesCompletion.ts';
import { writeMrImage } from '../../../../simulator/mrImageWriter.ts';
import { fakeImage, LOCALIZER_UID } from '../../session/doubles.ts';

const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70';
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

function header(overrides: Partial<InstanceHeader> = {}): InstanceHeader {
  return {
    sopInstanceUid: '1.2.3.1',
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: '1.2.3.4',
    accessionNumber: 'ACC-7',
    patientPosition: 'HFS',
    imagesInAcquisition: null,
    frameCount: 1,
    orientationLps: [0, 1, 0, 0, 0, -1],
    ...overrides,
  };
}

// ---------------------------------------------------------------- options

test('options absent without dicom port', () => {
  assert.is(parseDicomListenerOptions(['--port', '8080']), null);
});

test('options defaults with dicom port', () => {
  const options = parseDicomListenerOptions(['--dicom-port', '11112']);
  assert.is(options?.port, 11112);
  assert.is(options?.host, '127.0.0.1');
  assert.is(options?.aeTitle, 'LUMBARCOPILOT');
  assert.equal(options?.allowedCallingAeTitles, []);
  assert.is(options?.routing, 'open-session');
  assert.is(options?.seriesQuietMs, 3000);
  assert.is(options?.maxConcurrentAssociations, 8);
});

test('options parse every value', () => {
  const options = parseDicomListenerOptions([
    '--dicom-port', '0',
    '--ae-title', 'COPILOT2',
    '--allow-calling-ae', 'MR1, ORTHANC',
    '--dicom-route', 'accession',
    '--dicom-start-exams',
    '--series-quiet-ms', '1500',
    '--dicom-max-pdu-bytes', '32768',
    '--dicom-association-timeout-ms', '5000',
    '--dicom-idle-timeout-ms', '20000',
    '--dicom-max-associations', '2',
    '--dicom-max-instance-bytes', '1048576',
  ]);
  assert.equal(options, {
    port: 0,
    host: '127.0.0.1',
    aeTitle: 'COPILOT2',
    allowedCallingAeTitles: ['MR1', 'ORTHANC'],
    routing: 'accession',
    startExams: true,
    seriesQuietMs: 1500,
    maxPduBytes: 32768,
    associationTimeoutMs: 5000,
    idleTimeoutMs: 20000,
    maxConcurrentAssociations: 2,
    maxInstanceBytes: 1048576,
  });
});

const invalidOptions: { name: string; argv: string[]; mentions: RegExp }[] = [
  { name: 'port out of range', argv: ['--dicom-port', '70000'], mentions: /--dicom-port "70000".*0 to 65535/ },
  { name: 'AE title too long', argv: ['--dicom-port', '1', '--ae-title', 'A_VERY_LONG_AE_TITLE'], mentions: /--ae-title "A_VERY_LONG_AE_TITLE".*1 to 16/ },
  { name: 'AE title with backslash', argv: ['--dicom-port', '1', '--allow-calling-ae', 'MR\\1'], mentions: /--allow-calling-ae/ },
  { name: 'unknown routing rule', argv: ['--dicom-port', '1', '--dicom-route', 'patient-id'], mentions: /"patient-id".*open-session, study-uid, accession/ },
  { name: 'start exams with open session', argv: ['--dicom-port', '1', '--dicom-start-exams'], mentions: /--dicom-start-exams needs/ },
  { name: 'quiet period too short', argv: ['--dicom-port', '1', '--series-quiet-ms', '5'], mentions: /--series-quiet-ms "5"/ },
  { name: 'option without dicom port', argv: ['--ae-title', 'X'], mentions: /--ae-title has no effect without --dicom-port/ },
  { name: 'host name', argv: ['--dicom-port', '1', '--dicom-host', 'scanner.example'], mentions: /--dicom-host "scanner.example"/ },
];

for (const testCase of invalidOptions) {
  test(`options reject ${testCase.name}`, () => {
    try {
      parseDicomListenerOptions(testCase.argv);
      assert.unreachable(`${testCase.argv.join(' ')} accepted`);
    } catch (error) {
      assert.instance(error, DicomListenerOptionsError);
      assert.is((error as DicomListenerOptionsError).code, 'ERR_INVALID_ARGUMENT');
      assert.match((error as Error).message, testCase.mentions);
    }
  });
}

// ---------------------------------------------------------------- presentation contexts

test('negotiation prefers explicit VR', () => {
  const decision = negotiatePresentationContext(MR_IMAGE_STORAGE_SOP_CLASS_UID, [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN]);
  assert.equal(decision, { result: 'accept', transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
});

test('negotiation accepts deflated alone', () => {
  const decision = negotiatePresentationContext(MR_IMAGE_STORAGE_SOP_CLASS_UID, [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]);
  assert.equal(decision, { result: 'accept', transferSyntaxUid: DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN });
});

test('negotiation rejects compressed only', () => {
  assert.equal(negotiatePresentationContext(MR_IMAGE_STORAGE_SOP_CLASS_UID, [JPEG_LOSSLESS]), { result: 'reject-transfer-syntaxes' });
});

test('negotiation rejects CT storage', () => {
  assert.equal(negotiatePresentationContext(CT_IMAGE_STORAGE, [EXPLICIT_VR_LITTLE_ENDIAN]), { result: 'reject-abstract-syntax' });
});

test('negotiation accepts verification', () => {
  assert.equal(negotiatePresentationContext(VERIFICATION_SOP_CLASS_UID, [IMPLICIT_VR_LITTLE_ENDIAN]), { result: 'accept', transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN });
});

test('calling AE allow list', () => {
  assert.ok(isCallingAeAllowed('ANY', []));
  assert.ok(isCallingAeAllowed('MR1 ', ['MR1']));
  assert.not.ok(isCallingAeAllowed('MR2', ['MR1']));
});

// ---------------------------------------------------------------- routing

test('open session routes to the only exam', () => {
  assert.equal(routeInstance('open-session', header(), ['exam-1'], false), { kind: 'exam', examId: 'exam-1' });
});

test('open session without exams fails', () => {
  const decision = routeInstance('open-session', header(), [], false);
  assert.is(decision.kind, 'unroutable');
  assert.is(decision.kind === 'unroutable' ? decision.code : null, 'ERR_NO_OPEN_EXAM');
});

test('open session picks matching accession', () => {
  assert.equal(routeInstance('open-session', header(), ['exam-1', 'ACC-7'], false), { kind: 'exam', examId: 'ACC-7' });
});

test('open session with several exams fails', () => {
  const decision = routeInstance('open-session', header(), ['exam-1', 'exam-2'], false);
  assert.is(decision.kind === 'unroutable' ? decision.code : null, 'ERR_AMBIGUOUS_EXAM');
});

test('study UID routing finds or starts', () => {
  assert.equal(routeInstance('study-uid', header(), ['1.2.3'], false), { kind: 'exam', examId: '1.2.3' });
  assert.equal(routeInstance('study-uid', header(), [], true), { kind: 'start-exam', examId: '1.2.3' });
  const decision = routeInstance('study-uid', header(), [], false);
  assert.is(decision.kind === 'unroutable' ? decision.code : null, 'ERR_NO_OPEN_EXAM');
});

test('accession routing needs accession', () => {
  const decision = routeInstance('accession', header({ accessionNumber: null }), ['ACC-7'], true);
  assert.is(decision.kind === 'unroutable' ? decision.code : null, 'ERR_MISSING_ROUTING_KEY');
});

test('role is next pending slab', () => {
  assert.equal(chooseSeriesRole(header(), ['slab-2', 'slab-3']), { role: 'slab', slabId: 'slab-2' });
});

test('role is localizer for sagittal', () => {
  assert.equal(chooseSeriesRole(header(), []), { role: 'localizer' });
});

test('role is sagittal for axial without plan', () => {
  assert.equal(chooseSeriesRole(header({ orientationLps: [1, 0, 0, 0, 1, 0] }), []), { role: 'sagittal' });
});

// ---------------------------------------------------------------- Part 10 wrapping

/** Re-encodes the dataset of a Part 10 file in `transferSyntaxUid` and returns only the dataset bytes. */
function datasetBytes(part10: Uint8Array, transferSyntaxUid: string): Uint8Array {
  const dict = dcmjsData.DicomMessage.readFile(part10.slice().buffer);
  const natural = dcmjsData.DicomMetaDictionary.naturalizeDataset(dict.dict);
  natural._vrMap = { PixelData: 'OW' };
  dict.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(natural);
  const meta = dcmjsData.DicomMetaDictionary.naturalizeDataset(dict.meta);
  meta.TransferSyntaxUID = transferSyntaxUid;
  const metaOnly = new dcmjsData.DicomDict(dcmjsData.DicomMetaDictionary.denaturalizeDataset(meta));
  const metaLength = new Uint8Array(metaOnly.write()).length;
  dict.meta = dcmjsData.DicomMetaDictionary.denaturalizeDataset(meta);
  return new Uint8Array(dict.write()).subarray(metaLength);
}

for (const transferSyntaxUid of [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN]) {
  test(`wrapped ${transferSyntaxUid} dataset parses`, () => {
    const original = writeMrImage(fakeImage(LOCALIZER_UID, 1));
    const dataset = datasetBytes(original, transferSyntaxUid);
    const part10 = wrapAsPart10(dataset, { sopClassUid: MR_IMAGE_STORAGE_SOP_CLASS_UID, sopInstanceUid: `${LOCALIZER_UID}.2`, transferSyntaxUid });

    const read = readInstanceHeader(part10);
    assert.is(read.sopInstanceUid, `${LOCALIZER_UID}.2`);
    assert.is(read.seriesInstanceUid, LOCALIZER_UID);
    assert.is(read.patientPosition, 'HFS');
    assert.is(read.frameCount, 1);

    const [image] = parseDicomPart10(part10);
    const [expected] = parseDicomPart10(original);
    assert.equal(image?.geometry, expected?.geometry);
    assert.equal(Array.from(image?.pixels ?? []), Array.from(expected?.pixels ?? []));
  });
}

test('header of garbage raises', () => {
  const part10 = wrapAsPart10(new Uint8Array([1, 2, 3]), { sopClassUid: MR_IMAGE_STORAGE_SOP_CLASS_UID, sopInstanceUid: '1.2.3', transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
  try {
    readInstanceHeader(part10);
    assert.unreachable('garbage accepted');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'ERR_UNREADABLE_DATASET');
  }
});

// ---------------------------------------------------------------- series completion

test('completion at expected count', () => {
  const completed: CompletedSeries[] = [];
  const completion = new SeriesCompletion(60_000, (series) => completed.push(series));
  const key = { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3' };
  completion.add(key, '1.2.3.1', 1, 2);
  completion.add(key, '1.2.3.1', 1, 2);
  assert.is(completed.length, 0, 'a resent instance counts once');
  completion.add(key, '1.2.3.2', 1, 2);
  assert.equal(completed, [{ ...key, instanceCount: 2, frameCount: 2, reason: 'expected-count' }]);
  assert.is(completion.openCount(), 0);
  assert.ok(completion.isNewRound(key));
});

test('completion counts late instance cumulatively', () => {
  const completed: CompletedSeries[] = [];
  const completion = new SeriesCompletion(60_000, (series) => completed.push(series));
  const key = { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.5' };
  completion.add(key, '1.2.5.1', 1, 1);
  completion.add(key, '1.2.5.2', 1, 1);
  assert.equal(
    completed.map((series) => series.instanceCount),
    [1, 2],
    'the second round reports both instances',
  );
});

test('completion after quiet period', async () => {
  const completed: CompletedSeries[] = [];
  const completion = new SeriesCompletion(30, (series) => completed.push(series));
  const key = { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.4' };
  completion.add(key, '1.2.4.1', 20, null);
  assert.not.ok(completion.isNewRound(key));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(completed, [{ ...key, instanceCount: 1, frameCount: 20, reason: 'quiet-period' }]);
});

test('completion clear stops timers', async () => {
  const completed: CompletedSeries[] = [];
  const completion = new SeriesCompletion(20, (series) => completed.push(series));
  completion.add({ studyInstanceUid: '1', seriesInstanceUid: '1.1' }, '1.1.1', 1, null);
  completion.clear();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(completed.length, 0);
});

test.run();
