import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { PayloadError, applyWindow, decodeLabelMap, decodeLocalizerPixels, labelCentresOnSlice } from '../../console-ui/src/viewer/pixels.ts';
import type { LocalizerImageWire } from '../../server/transport/protocol.ts';

function image(values: number[], encoding: 'int16le' | 'uint16le'): LocalizerImageWire {
  const buffer = Buffer.alloc(values.length * 2);
  values.forEach((value, index) => (encoding === 'int16le' ? buffer.writeInt16LE(value, index * 2) : buffer.writeUInt16LE(value, index * 2)));
  return {
    sopInstanceUid: '1.2.3',
    rows: 1,
    columns: values.length,
    imagePositionLpsMm: [0, 0, 0],
    rowCosineLps: [0, 1, 0],
    columnCosineLps: [0, 0, -1],
    spacingBetweenRowsMm: 1,
    spacingBetweenColumnsMm: 1,
    pixelEncoding: encoding,
    pixelsBase64: buffer.toString('base64'),
    windowCenter: 0,
    windowWidth: 1,
  };
}

test('decodes signed and unsigned pixels', () => {
  assert.equal([...decodeLocalizerPixels(image([-5, 0, 32000], 'int16le'))], [-5, 0, 32000]);
  assert.equal([...decodeLocalizerPixels(image([0, 65535], 'uint16le'))], [0, 65535]);
});

test('wrong pixel payload size raises', () => {
  const bad = { ...image([1, 2], 'uint16le'), columns: 3 };
  try {
    decodeLocalizerPixels(bad);
    assert.unreachable('expected an error');
  } catch (error) {
    assert.instance(error, PayloadError);
    assert.is((error as PayloadError).code, 'ERR_PIXEL_PAYLOAD_SIZE');
    assert.match((error as Error).message, /1\.2\.3/);
  }
});

test('wrong label map size raises', () => {
  try {
    decodeLabelMap(Buffer.from([1, 2, 3]).toString('base64'), { columns: 2, rows: 2, slices: 1 });
    assert.unreachable('expected an error');
  } catch (error) {
    assert.is((error as PayloadError).code, 'ERR_LABEL_MAP_SIZE');
  }
});

test('window follows the DICOM linear formula', () => {
  const rgba = new Uint8ClampedArray(5 * 4);
  // Centre 100, width 101: black at or below 49.5, white at or above 149.5.
  applyWindow([0, 49, 100, 150, 400], 100, 101, rgba);
  assert.equal([rgba[0], rgba[4], rgba[8], rgba[12], rgba[16]], [0, 0, 129, 255, 255]);
  assert.is(rgba[3], 255);
});

test('label centres per slice', () => {
  // Two slices of 2 x 3; label 4 covers the right column of slice 1.
  const labels = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 4]);
  const centres = labelCentresOnSlice(labels, { columns: 3, rows: 2 }, 1);
  assert.equal(centres.get(4), { column: 2, row: 0.5, minColumn: 2, pixelCount: 2 });
  assert.is(labelCentresOnSlice(labels, { columns: 3, rows: 2 }, 0).size, 0);
});

test.run();
