import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkModelShapes, ModelLoadError, parseModelContract, type ModelContract } from '../../../server/inference/modelContract.ts';
import { readOnnxMetadataProps } from '../../../server/inference/onnxMetadata.ts';

const MODEL_PATH = '/models/test-model.onnx';
const bandMetadata = readOnnxMetadataProps(new Uint8Array(readFileSync(resolve(import.meta.dirname, '../../fixtures/inference/band-model-growing.onnx'))));

function contractWith(entries: Record<string, string | undefined>): ModelContract {
  const metadata = new Map(bandMetadata);
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) metadata.delete(key);
    else metadata.set(key, value);
  }
  return parseModelContract(MODEL_PATH, metadata);
}

function expectLoadError(action: () => unknown, code: string): ModelLoadError {
  try {
    action();
  } catch (error) {
    assert.instance(error, ModelLoadError);
    const loadError = error as ModelLoadError;
    assert.is(loadError.code, code, loadError.message);
    assert.match(loadError.message, MODEL_PATH);
    return loadError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

const shape = (channels: number | string) => ['N', channels, 'H', 'W'];
const input = (channels: number | string) => ({ name: 'image', shape: shape(channels) });
const output = { name: 'probabilities', shape: ['N', 5, 'H', 'W'] };

test('input channels: absent key means 1', () => {
  assert.is(contractWith({ 'lumbar.inputChannels': undefined }).inputChannels, 1);
});

test('input channels: 1 and 3 are read', () => {
  assert.is(contractWith({ 'lumbar.inputChannels': '1' }).inputChannels, 1);
  assert.is(contractWith({ 'lumbar.inputChannels': '3' }).inputChannels, 3);
});

test('input channels: other values are invalid', () => {
  for (const text of ['2', '0', '3.0', ' 3', 'three', '']) {
    const error = expectLoadError(() => contractWith({ 'lumbar.inputChannels': text }), 'ERR_MODEL_METADATA_INVALID');
    assert.match(error.message, `lumbar.inputChannels is "${text}"`);
    assert.match(error.message, 'Re-export the model');
  }
});

test('shapes: channels match the metadata', () => {
  const oneChannel = contractWith({});
  const threeChannels = contractWith({ 'lumbar.inputChannels': '3' });
  assert.equal(checkModelShapes(MODEL_PATH, oneChannel, input(1), output), { heightCanGrow: true });
  assert.equal(checkModelShapes(MODEL_PATH, threeChannels, input(3), output), { heightCanGrow: true });
});

test('shapes: symbolic channel dimension passes', () => {
  assert.equal(checkModelShapes(MODEL_PATH, contractWith({ 'lumbar.inputChannels': '3' }), input('C'), output), { heightCanGrow: true });
  assert.equal(checkModelShapes(MODEL_PATH, contractWith({}), input('C'), output), { heightCanGrow: true });
});

test('shapes: 3-channel graph without the metadata', () => {
  const error = expectLoadError(() => checkModelShapes(MODEL_PATH, contractWith({}), input(3), output), 'ERR_MODEL_INPUT_SHAPE');
  assert.match(error.message, 'input "image" has channel dimension 3');
  assert.match(error.message, 'lumbar.inputChannels is 1 (an absent key means 1)');
  assert.match(error.message, 'Re-export the model with lumbar.inputChannels "3"');
});

test('shapes: metadata 3 on a 1-channel graph', () => {
  const error = expectLoadError(() => checkModelShapes(MODEL_PATH, contractWith({ 'lumbar.inputChannels': '3' }), input(1), output), 'ERR_MODEL_INPUT_SHAPE');
  assert.match(error.message, 'input "image" has channel dimension 1');
  assert.match(error.message, 'lumbar.inputChannels is 3');
  assert.match(error.message, 'a graph whose channel dimension is 3');
});

test('shapes: wrong input name is reported before channels', () => {
  const error = expectLoadError(
    () => checkModelShapes(MODEL_PATH, contractWith({}), { name: 'pixels', shape: shape(3) }, output),
    'ERR_MODEL_INPUT_SHAPE',
  );
  assert.match(error.message, 'input is named "pixels"');
});

test.run();
