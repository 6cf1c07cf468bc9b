/**
 * The lumbar model's ONNX contract, read from its `metadata_props` and checked before the
 * session is used: class names, input grid, input channels, in-plane spacing, normalization and
 * orientation.
 */

/** Class names the postprocessing expects, in this order of label value. */
export const EXPECTED_CLASSES = ['background', 'vertebra', 'sacrum', 'disc', 'canal'] as const;
export type ModelClass = (typeof EXPECTED_CLASSES)[number];

export const EXPECTED_ORIENTATION = 'rows superior->inferior, columns anterior->posterior';

/**
 * Number of input channels per batch entry. With 1 the model receives the slice alone. With 3 it
 * receives the slice in channel 1 between its neighbours along the slice normal (see `adjacentSlices.ts`).
 */
export type InputChannels = 1 | 3;
export const SUPPORTED_INPUT_CHANNELS: readonly InputChannels[] = [1, 3];

const REQUIRED_KEYS = [
  'lumbar.classes',
  'lumbar.inputHeight',
  'lumbar.inputWidth',
  'lumbar.spacingMm',
  'lumbar.normalization',
  'lumbar.orientation',
  'lumbar.modelVersion',
  'lumbar.trainingDataHash',
] as const;

export type ModelLoadErrorCode =
  | 'ERR_MODEL_NOT_FOUND'
  | 'ERR_MODEL_CORRUPT'
  | 'ERR_MODEL_METADATA_MISSING'
  | 'ERR_MODEL_METADATA_INVALID'
  | 'ERR_MODEL_CLASSES'
  | 'ERR_MODEL_INPUT_SHAPE'
  | 'ERR_EXECUTION_PROVIDER';

/** A model file or session option the segmenter cannot use. */
export class ModelLoadError extends Error {
  constructor(
    readonly code: ModelLoadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** Model parameters the segmenter needs, all read from the model's metadata. */
export interface ModelContract {
  classes: ModelClass[];
  inputHeight: number;
  inputWidth: number;
  /** Isotropic in-plane pixel spacing of the model grid, millimetres. */
  spacingMm: number;
  normalization: string;
  orientation: string;
  modelVersion: string;
  trainingDataHash: string;
  /**
   * From the optional `lumbar.sizeMultiple`: the network's total stride. A model whose input
   * height and width are symbolic accepts any multiple of it; null when the metadata lacks it.
   */
  sizeMultiple: number | null;
  /** From the optional `lumbar.inputChannels`, and 1 when the metadata lacks it. */
  inputChannels: InputChannels;
}

function parsePositive(modelPath: string, key: string, text: string, integer: boolean): number {
  const value = Number(text);
  const valid = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!valid) {
    const expected = integer ? 'a positive integer' : 'a positive number';
    throw new ModelLoadError(
      'ERR_MODEL_METADATA_INVALID',
      `Model ${modelPath}: metadata ${key} is "${text}", expected ${expected}. Re-export the model with a valid ${key}.`,
    );
  }
  return value;
}

function parseClasses(modelPath: string, text: string): ModelClass[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const matches =
    Array.isArray(parsed) &&
    parsed.length === EXPECTED_CLASSES.length &&
    parsed.every((name, index) => name === EXPECTED_CLASSES[index]);
  if (!matches) {
    throw new ModelLoadError(
      'ERR_MODEL_CLASSES',
      `Model ${modelPath}: metadata lumbar.classes is ${text}, expected ${JSON.stringify(EXPECTED_CLASSES)}. ` +
        'Use a model trained with these classes in this order.',
    );
  }
  return [...EXPECTED_CLASSES];
}

function parseInputChannels(modelPath: string, metadata: Map<string, string>): InputChannels {
  const text = metadata.get('lumbar.inputChannels');
  if (text === undefined) return 1;
  const channels = SUPPORTED_INPUT_CHANNELS.find((value) => String(value) === text);
  if (channels === undefined) {
    throw new ModelLoadError(
      'ERR_MODEL_METADATA_INVALID',
      `Model ${modelPath}: metadata lumbar.inputChannels is "${text}", expected one of ${SUPPORTED_INPUT_CHANNELS.join(', ')}. ` +
        'Re-export the model with the number of channels of its "image" input.',
    );
  }
  return channels;
}

/** Builds the contract from the metadata entries, throwing `ModelLoadError` on the first problem. */
export function parseModelContract(modelPath: string, metadata: Map<string, string>): ModelContract {
  const missing = REQUIRED_KEYS.filter((key) => !metadata.has(key));
  if (missing.length > 0) {
    throw new ModelLoadError(
      'ERR_MODEL_METADATA_MISSING',
      `Model ${modelPath} lacks metadata ${missing.join(', ')}. Export it with the training pipeline in models/, which writes every lumbar.* key.`,
    );
  }
  const read = (key: (typeof REQUIRED_KEYS)[number]): string => metadata.get(key) ?? '';

  const orientation = read('lumbar.orientation');
  if (orientation !== EXPECTED_ORIENTATION) {
    throw new ModelLoadError(
      'ERR_MODEL_METADATA_INVALID',
      `Model ${modelPath}: metadata lumbar.orientation is "${orientation}", expected "${EXPECTED_ORIENTATION}". ` +
        'Use a model trained on slices in that orientation.',
    );
  }
  const normalization = read('lumbar.normalization');
  if (!/percentile/i.test(normalization)) {
    throw new ModelLoadError(
      'ERR_MODEL_METADATA_INVALID',
      `Model ${modelPath}: metadata lumbar.normalization is "${normalization}", but this segmenter only implements ` +
        'per-series percentile clipping to [0,1]. Use a model trained with that normalization.',
    );
  }

  return {
    classes: parseClasses(modelPath, read('lumbar.classes')),
    inputHeight: parsePositive(modelPath, 'lumbar.inputHeight', read('lumbar.inputHeight'), true),
    inputWidth: parsePositive(modelPath, 'lumbar.inputWidth', read('lumbar.inputWidth'), true),
    spacingMm: parsePositive(modelPath, 'lumbar.spacingMm', read('lumbar.spacingMm'), false),
    normalization,
    orientation,
    modelVersion: read('lumbar.modelVersion'),
    trainingDataHash: read('lumbar.trainingDataHash'),
    sizeMultiple: metadata.has('lumbar.sizeMultiple') ? parsePositive(modelPath, 'lumbar.sizeMultiple', metadata.get('lumbar.sizeMultiple') ?? '', true) : null,
    inputChannels: parseInputChannels(modelPath, metadata),
  };
}

/**
 * Checks that a fixed channel dimension of the "image" input equals `lumbar.inputChannels`, so a
 * mismatch gets its own message instead of the general shape error.
 */
function checkInputChannels(modelPath: string, contract: ModelContract, shape: ReadonlyArray<number | string> | null): void {
  if (shape === null || shape.length !== 4) return;
  const graphChannels = shape[1];
  if (typeof graphChannels !== 'number' || graphChannels === contract.inputChannels) return;
  throw new ModelLoadError(
    'ERR_MODEL_INPUT_SHAPE',
    `Model ${modelPath}: input "image" has channel dimension ${graphChannels}, but its metadata lumbar.inputChannels ` +
      `is ${contract.inputChannels} (an absent key means 1). Re-export the model with lumbar.inputChannels ` +
      `"${graphChannels}" if the graph is right, or with a graph whose channel dimension is ${contract.inputChannels}.`,
  );
}

/**
 * Checks the session's declared input and output against the contract. A dimension that is
 * symbolic (a string such as `N`) or absent matches anything; a fixed one must equal the contract.
 * Returns whether the grid height may grow: the input height is symbolic and the metadata
 * names the size multiple.
 */
export function checkModelShapes(
  modelPath: string,
  contract: ModelContract,
  input: { name: string; shape: ReadonlyArray<number | string> | null } | undefined,
  output: { name: string; shape: ReadonlyArray<number | string> | null } | undefined,
): { heightCanGrow: boolean } {
  const expectedInput = ['N', contract.inputChannels, contract.inputHeight, contract.inputWidth];
  const expectedOutput = ['N', contract.classes.length, contract.inputHeight, contract.inputWidth];
  const check = (
    role: string,
    expectedName: string,
    value: { name: string; shape: ReadonlyArray<number | string> | null } | undefined,
    expected: Array<number | string>,
  ): void => {
    if (value === undefined || value.name !== expectedName) {
      throw new ModelLoadError(
        'ERR_MODEL_INPUT_SHAPE',
        `Model ${modelPath}: ${role} is named "${value?.name ?? '(none)'}", expected "${expectedName}". Re-export the model with the lumbar ONNX contract.`,
      );
    }
    if (value.shape === null) return;
    const fits =
      value.shape.length === 4 &&
      value.shape.every((dimension, index) => typeof dimension !== 'number' || index === 0 || dimension === expected[index]);
    if (!fits) {
      throw new ModelLoadError(
        'ERR_MODEL_INPUT_SHAPE',
        `Model ${modelPath}: ${role} "${expectedName}" has shape [${value.shape.join(',')}], expected [${expected.join(',')}] ` +
          'from its metadata. Re-export the model so the graph and its lumbar.input* metadata agree.',
      );
    }
  };
  if (input?.name === 'image') checkInputChannels(modelPath, contract, input.shape);
  check('input', 'image', input, expectedInput);
  check('output', 'probabilities', output, expectedOutput);
  const symbolicHeight = (shape: ReadonlyArray<number | string> | null | undefined): boolean => shape !== null && shape !== undefined && typeof shape[2] === 'string';
  return { heightCanGrow: contract.sizeMultiple !== null && symbolicHeight(input?.shape) && symbolicHeight(output?.shape) };
}
