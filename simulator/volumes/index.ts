/**
 * Volume readers: NIfTI (`.nii`, `.nii.gz`, `.hdr`/`.img`), MetaImage (`.mha`, `.mhd`) and
 * dataset folders with a `dataset.json`, all placed in DICOM LPS millimetres.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import type { VolumeLps } from '../../server/geometry/types.ts';
import { findDatasetCase } from './dataset.ts';
import { VolumeReadError } from './errors.ts';
import { parseMetaImage, parseMetaImageLabels } from './metaImage.ts';
import { parseNifti, parseNiftiLabels } from './nifti.ts';

export { VolumeReadError, type VolumeReadErrorCode } from './errors.ts';
export { listDatasetCases, readDatasetDescriptor, type DatasetCase, type DatasetDescriptor } from './dataset.ts';

export type LabelVolume = VolumeLps<Uint8Array | Uint16Array>;

export interface LoadedVolume {
  image: VolumeLps;
  labels: LabelVolume | null;
  /** Structure name per label value, from the dataset's `dataset.json`; empty when unknown. */
  labelNames: Record<number, string>;
}

export interface ReadVolumeOptions {
  /**
   * Label map to load with the image. By default the reader takes the labels pattern of a
   * `dataset.json` next to (or up to two folders above) the image, else a sibling named
   * with `_labels` in place of `_image`. `false` skips labels.
   */
  labelsPath?: string | false;
  /** Maximum distance in millimetres between the image and label grids' voxel centres. */
  maxLabelsOffsetMm?: number;
}

type VolumeFormat = 'nifti' | 'nifti-pair' | 'metaimage';

const FORMAT_BY_SUFFIX: [string, VolumeFormat][] = [
  ['.nii.gz', 'nifti'],
  ['.nii', 'nifti'],
  ['.hdr', 'nifti-pair'],
  ['.hdr.gz', 'nifti-pair'],
  ['.mha', 'metaimage'],
  ['.mhd', 'metaimage'],
];

/** The formats of FORMAT_BY_SUFFIX, as messages list them. */
const SUPPORTED_FORMATS = '.nii, .nii.gz, .hdr with its .img (either may be gzipped), .mha and .mhd';

function formatOf(path: string): VolumeFormat {
  const lower = path.toLowerCase();
  for (const [suffix, format] of FORMAT_BY_SUFFIX) if (lower.endsWith(suffix)) return format;
  throw new VolumeReadError(
    'ERR_UNKNOWN_VOLUME_FORMAT',
    path,
    `${path}: unknown volume format. Supported: ${SUPPORTED_FORMATS}. For a dataset folder, pass one case's image file, such as case-01_image.nii.gz.`,
  );
}

async function readBytes(path: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new VolumeReadError('ERR_VOLUME_NOT_FOUND', path, `${path}: file not found. Check the path.`);
  }
  if (info.isDirectory()) {
    throw new VolumeReadError(
      'ERR_VOLUME_IS_DIRECTORY',
      path,
      `${path} is a folder. Pass one volume file, such as case-01_image.nii.gz (${SUPPORTED_FORMATS}).`,
    );
  }
  return readFile(path);
}

/** Returns the path of the `.img` (or `.img.gz`) file that contains the voxels of a `.hdr` header. */
function pairedImagePath(headerPath: string): string {
  const stem = headerPath.replace(/\.hdr(\.gz)?$/i, '');
  for (const candidate of [`${stem}.img`, `${stem}.img.gz`]) if (existsSync(candidate)) return candidate;
  throw new VolumeReadError('ERR_VOLUME_NOT_FOUND', `${stem}.img`, `${headerPath}: the voxel file ${stem}.img is missing. Keep the .img file beside the .hdr file.`);
}

async function readImage(path: string): Promise<VolumeLps> {
  const format = formatOf(path);
  const bytes = await readBytes(path);
  if (format === 'metaimage') return (await parseMetaImage(bytes, path)).image;
  if (format === 'nifti-pair') return parseNifti(bytes, path, await readBytes(pairedImagePath(path))).image;
  return parseNifti(bytes, path).image;
}

async function readLabels(path: string): Promise<LabelVolume> {
  const format = formatOf(path);
  const bytes = await readBytes(path);
  if (format === 'metaimage') return parseMetaImageLabels(bytes, path);
  if (format === 'nifti-pair') return parseNiftiLabels(bytes, path, await readBytes(pairedImagePath(path)));
  return parseNiftiLabels(bytes, path);
}

/** Finds the label map for an image and the names of its values. */
function locateLabels(imagePath: string, option: string | false | undefined): { labelsPath: string | null; labelNames: Record<number, string> } {
  const found = findDatasetCase(imagePath);
  const labelNames = found?.descriptor.labelNames ?? {};
  if (option === false) return { labelsPath: null, labelNames };
  if (option !== undefined) return { labelsPath: option, labelNames };

  if (found !== null && found.descriptor.labelsPattern !== null) {
    const expected = join(found.descriptor.folder, found.descriptor.labelsPattern.replace('*', found.datasetCase.caseId));
    if (found.datasetCase.labelsPath === null) {
      throw new VolumeReadError(
        'ERR_LABELS_NOT_FOUND',
        expected,
        `${imagePath}: dataset.json in ${found.descriptor.folder} names the label map ${expected}, which is missing. Restore the file, or read the image without labels (labelsPath: false).`,
      );
    }
    return { labelsPath: found.datasetCase.labelsPath, labelNames };
  }

  const name = basename(imagePath);
  if (name.includes('_image.')) {
    const sibling = join(dirname(imagePath), name.replace('_image.', '_labels.'));
    if (existsSync(sibling)) return { labelsPath: sibling, labelNames };
  }
  return { labelsPath: null, labelNames };
}

/** Throws unless the label map has the image's grid (dimensions and voxel positions). */
function checkSameGrid(image: VolumeLps, labels: LabelVolume, labelsPath: string, maxOffsetMm: number): void {
  const sameDims = image.dims.every((extent, axis) => extent === labels.dims[axis]);
  if (!sameDims) {
    throw new VolumeReadError(
      'ERR_LABELS_GEOMETRY_MISMATCH',
      labelsPath,
      `${labelsPath}: label map dimensions [${labels.dims.join(', ')}] differ from the image's [${image.dims.join(', ')}]. Pass the label map made for this image.`,
    );
  }
  // Compare the positions of the first and last voxel centres along every axis.
  const corner = (volume: VolumeLps<Float32Array | Int16Array | Uint8Array | Uint16Array>, axis: number): number[] =>
    volume.originLpsMm.map((value, component) => value + (volume.dims[axis] - 1) * volume.spacingMm[axis] * volume.directionLps[axis][component]);
  const distance = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
  let offsetMm = distance(image.originLpsMm, labels.originLpsMm);
  for (let axis = 0; axis < 3; axis++) offsetMm = Math.max(offsetMm, distance(corner(image, axis), corner(labels, axis)));
  if (offsetMm > maxOffsetMm) {
    throw new VolumeReadError(
      'ERR_LABELS_GEOMETRY_MISMATCH',
      labelsPath,
      `${labelsPath}: label voxels sit up to ${offsetMm.toFixed(3)} mm from the image voxels (maximum ${maxOffsetMm} mm). Pass the label map made for this image, or fix its header.`,
    );
  }
}

/**
 * Reads an image volume and, when one is found, its label map.
 * `case-NN_image.nii.gz` picks up `case-NN_labels.nii.gz` and the label names of the folder's
 * `dataset.json`. Throws `VolumeReadError` with a stable `code` for every unreadable input.
 */
export async function readVolume(path: string, options: ReadVolumeOptions = {}): Promise<LoadedVolume> {
  const image = await readImage(path);
  const { labelsPath, labelNames } = locateLabels(path, options.labelsPath);
  if (labelsPath === null) return { image, labels: null, labelNames };

  if (!existsSync(labelsPath)) {
    throw new VolumeReadError('ERR_LABELS_NOT_FOUND', labelsPath, `${labelsPath}: label map not found. Check the path, or read the image without labels (labelsPath: false).`);
  }
  const labels = await readLabels(labelsPath);
  checkSameGrid(image, labels, labelsPath, options.maxLabelsOffsetMm ?? 0.01);
  return { image, labels, labelNames };
}
