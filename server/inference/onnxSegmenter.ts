/**
 * The segmenter on onnxruntime-node: loads and checks the model, then runs preprocessing,
 * batched inference on the slices around the spine (a central batch, then small batches while
 * the spine continues laterally) and postprocessing per series. The grid grows along the spine
 * for a tall localizer when the model allows it. A field of view still clearly larger than the
 * grid adds a one-slice pass first, to centre the grid on the spine. A model with three input
 * channels gets each slice between its two neighbours (`adjacentSlices.ts`). The ONNX session is
 * the only effect here besides logging.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { MrSeries } from '../dicom/types.ts';
import { logger as rootLogger, type Logger } from '../log.ts';
import { batchBuilder } from './adjacentSlices.ts';
import { mapBatchesToSeries } from './labelMapping.ts';
import { checkModelShapes, ModelLoadError, parseModelContract, type ModelContract } from './modelContract.ts';
import { ProtobufFormatError, readOnnxMetadataProps } from './onnxMetadata.ts';
import { postprocess, type PostprocessOptions } from './postprocess.ts';
import { NO_GRID_OFFSET, prepareSeries, type ModelGrid, type PreprocessOptions } from './preprocess.ts';
import { segmentGrowingWindow } from './sliceBatches.ts';
import { initialSliceWindow, windowSliceIndices, type SliceSelectionOptions } from './sliceSelection.ts';
import { fieldOfViewExceedsGrid, gridForSeries, spineCenteredOffset, type SpineCenteringOptions } from './spineCentering.ts';
import { SegmentationInputError, type SegmentationResult, type Segmenter } from './types.ts';

export type ExecutionProviderName = 'cpu' | 'cuda' | 'webgpu';

export interface OnnxSegmenterOptions extends PreprocessOptions, SliceSelectionOptions, SpineCenteringOptions, PostprocessOptions {
  /** Path of the ONNX model. Default `models/lumbar-seg.onnx` under the working directory. */
  modelPath?: string;
  /** Requested execution provider; a GPU provider that is not installed or finds no GPU falls back to `cpu` with one warning. Default `cpu`. */
  executionProvider?: ExecutionProviderName;
  /** onnxruntime intra-op threads. Default 2. */
  threads?: number;
  /**
   * Whether idle onnxruntime worker threads spin while waiting for work. Spinning trims a little
   * latency on an idle machine but burns CPU that other jobs on a small shared machine need. Default false.
   */
  allowSpinning?: boolean;
  logger?: Logger;
}

export const DEFAULT_MODEL_PATH = 'models/lumbar-seg.onnx';
export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cpu', 'cuda', 'webgpu'];

async function readModelFile(modelPath: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(modelPath));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelLoadError(
      'ERR_MODEL_NOT_FOUND',
      `Model file ${modelPath} could not be read (${reason}). Train and export it with the pipeline in models/, or pass --model with an existing file.`,
    );
  }
}

function readContract(modelPath: string, modelBytes: Uint8Array): ModelContract {
  try {
    return parseModelContract(modelPath, readOnnxMetadataProps(modelBytes));
  } catch (error) {
    if (!(error instanceof ProtobufFormatError)) throw error;
    throw new ModelLoadError(
      'ERR_MODEL_CORRUPT',
      `Model file ${modelPath} is not a valid ONNX model (${error.message}). Replace it with the file the export step writes.`,
    );
  }
}

/**
 * Creates the session on the requested provider, or on `cpu` after one warning when that
 * provider is not installed in this onnxruntime-node build or cannot find its device.
 */
async function createSession(
  modelPath: string,
  modelBytes: Uint8Array,
  requested: ExecutionProviderName,
  threads: number,
  allowSpinning: boolean,
  log: Logger,
): Promise<{ session: ort.InferenceSession; executionProvider: ExecutionProviderName }> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // A session configuration key of onnxruntime; onnxruntime-node 1.31 flattens this nesting to "session.intra_op.allow_spinning".
    extra: { session: { intra_op: { allow_spinning: allowSpinning ? '1' : '0' } } },
  };
  const create = async (provider: ExecutionProviderName): Promise<ort.InferenceSession> => {
    try {
      return await ort.InferenceSession.create(modelBytes, { ...sessionOptions, executionProviders: [provider] });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (provider !== 'cpu') throw new Error(reason);
      throw new ModelLoadError(
        'ERR_MODEL_CORRUPT',
        `onnxruntime could not load model ${modelPath}: ${reason}. Replace it with the file the export step writes.`,
      );
    }
  };

  if (requested !== 'cpu') {
    const backend = ort.listSupportedBackends().find((entry) => entry.name === requested);
    if (backend === undefined || !backend.bundled) {
      log.warn(
        { requestedProvider: requested, executionProvider: 'cpu' },
        `execution provider ${requested} is not installed in this onnxruntime-node build (reinstall without ONNXRUNTIME_NODE_INSTALL=skip on a machine with the GPU libraries); using cpu`,
      );
    } else {
      try {
        return { session: await create(requested), executionProvider: requested };
      } catch (error) {
        log.warn(
          { requestedProvider: requested, executionProvider: 'cpu', err: error },
          `execution provider ${requested} found no usable device; using cpu`,
        );
      }
    }
  }
  return { session: await create('cpu'), executionProvider: 'cpu' };
}

/** Loads the model, checks its metadata and input shape, and returns a `Segmenter`. Throws `ModelLoadError`. */
export async function createOnnxSegmenter(options: OnnxSegmenterOptions = {}): Promise<Segmenter> {
  const modelPath = resolve(options.modelPath ?? DEFAULT_MODEL_PATH);
  const requested = options.executionProvider ?? 'cpu';
  const threads = options.threads ?? 2;
  const log = (options.logger ?? rootLogger).child({ component: 'segmenter' });

  if (!EXECUTION_PROVIDERS.includes(requested)) {
    throw new ModelLoadError(
      'ERR_EXECUTION_PROVIDER',
      `Execution provider "${String(requested)}" is not supported. Use one of ${EXECUTION_PROVIDERS.join(', ')}.`,
    );
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ModelLoadError('ERR_EXECUTION_PROVIDER', `threads is ${threads}; pass a positive integer number of intra-op threads.`);
  }

  const started = performance.now();
  const modelBytes = await readModelFile(modelPath);
  const contract = readContract(modelPath, modelBytes);
  const { session, executionProvider } = await createSession(modelPath, modelBytes, requested, threads, options.allowSpinning ?? false, log);
  const input = session.inputMetadata.find((value) => value.name === 'image');
  const output = session.outputMetadata.find((value) => value.name === 'probabilities');
  const { heightCanGrow } = checkModelShapes(
    modelPath,
    contract,
    input === undefined ? undefined : { name: input.name, shape: input.isTensor ? input.shape : null },
    output === undefined ? undefined : { name: output.name, shape: output.isTensor ? output.shape : null },
  );
  log.info(
    { modelPath, modelVersion: contract.modelVersion, inputChannels: contract.inputChannels, executionProvider, threads, loadMs: Math.round(performance.now() - started) },
    'segmentation model loaded',
  );

  const modelGrid: ModelGrid = { inputHeight: contract.inputHeight, inputWidth: contract.inputWidth, spacingMm: contract.spacingMm };
  const sizeMultiple = heightCanGrow ? contract.sizeMultiple : null;
  const description = { name: 'lumbar-seg', version: contract.modelVersion, executionProvider };

  async function segment(series: MrSeries, signal?: AbortSignal): Promise<SegmentationResult> {
    const seriesLog = log.child({ seriesInstanceUid: series.seriesInstanceUid });
    try {
      signal?.throwIfAborted();
      const t0 = performance.now();
      const timing = { preprocess: 0, inference: 0, postprocess: 0 };
      const prepared = prepareSeries(series, options);
      const grid = gridForSeries(series, prepared.frame, modelGrid, sizeMultiple, options);
      const buildBatch = batchBuilder(prepared, grid, contract.inputChannels);
      const runModel = async (tensorData: Float32Array, batch: number): Promise<Float32Array> => {
        const started = performance.now();
        const feeds = { image: new ort.Tensor('float32', tensorData, [batch, contract.inputChannels, grid.inputHeight, grid.inputWidth]) };
        const outputs = await session.run(feeds);
        signal?.throwIfAborted();
        const probabilities = outputs.probabilities;
        if (probabilities === undefined || !(probabilities.data instanceof Float32Array)) {
          throw new ModelLoadError('ERR_MODEL_INPUT_SHAPE', `Model ${modelPath} returned no float32 "probabilities" output. Re-export it with the lumbar ONNX contract.`);
        }
        timing.inference += performance.now() - started;
        return probabilities.data;
      };

      timing.preprocess += performance.now() - t0;
      // A field of view larger than the grid gets a first pass on the central slice to centre the grid on the spine.
      let offset = NO_GRID_OFFSET;
      let modelRuns = 0;
      if (fieldOfViewExceedsGrid(series, prepared.frame, grid, options)) {
        modelRuns += 1;
        const firstPassStarted = performance.now();
        const centralSlice = windowSliceIndices(initialSliceWindow(series, prepared.frame.normalLps, { ...options, initialHalfWidthMm: 0, maxSlices: 1 }));
        const firstPass = buildBatch(centralSlice, NO_GRID_OFFSET);
        timing.preprocess += performance.now() - firstPassStarted;
        offset = spineCenteredOffset(await runModel(firstPass.tensorData, 1), contract.classes, grid);
      }

      const batches = await segmentGrowingWindow(prepared, grid, contract.classes, offset, runModel, options, timing, buildBatch);
      const t2 = performance.now();
      const classMap = mapBatchesToSeries(series, batches, contract.classes.length, grid, prepared.frame, offset);
      const result = postprocess(series, classMap, contract.classes, prepared.frame.normalLps, options);
      const t3 = performance.now();

      const first = series.images[0].geometry;
      const timingMs = { preprocess: timing.preprocess, inference: timing.inference, postprocess: timing.postprocess + t3 - t2, total: t3 - t0 };
      const batch = batches.reduce((sum, entry) => sum + entry.sliceIndices.length, 0);
      seriesLog.info(
        { slices: batch, inputChannels: contract.inputChannels, modelRuns: modelRuns + batches.length, gridRows: grid.inputHeight, centringPass: modelRuns > 0, structures: result.structures.length, confidence: result.confidence, flags: result.flags.map((flag) => flag.code), timingMs },
        'series segmented',
      );
      return {
        seriesInstanceUid: series.seriesInstanceUid,
        frameOfReferenceUid: series.frameOfReferenceUid,
        structures: result.structures,
        labelMap: result.labelMap,
        labelNames: result.labelNames,
        dims: { columns: first.columns, rows: first.rows, slices: series.images.length },
        confidence: result.confidence,
        flags: result.flags,
        model: description,
        timingMs,
      };
    } catch (error) {
      if (error instanceof SegmentationInputError) {
        // An expected input problem, fully described by its code and message, so no stack trace is logged.
        seriesLog.warn({ code: error.code, reason: error.message }, 'series rejected by the segmenter');
      } else {
        seriesLog.error({ err: error }, 'segmentation failed');
      }
      throw error;
    }
  }

  return { segment, describe: () => ({ ...description }) };
}
