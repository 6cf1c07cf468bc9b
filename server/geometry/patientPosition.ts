/**
 * What DICOM Patient Position (0018,5100) changes and what it does not.
 *
 * ImagePositionPatient and ImageOrientationPatient are given in the patient-based LPS frame:
 * +x towards the patient's left, +y towards the patient's back, +z towards the head, whatever
 * way the patient lies. So a plan computed in LPS from images of the same exam needs no
 * correction for patient position. The scanner's "true axial" plane always has normal +z in
 * LPS, because every accepted position keeps the head-feet axis along the bore.
 *
 * Patient position does change how LPS sits in the magnet: which patient direction points up,
 * down, along the bore or across it. That matters for gravity, for display on the console, and
 * for the direction names the scanner shows. `patientToMagnetMatrix` gives that relation in a
 * magnet frame defined here as the LPS frame of a head-first supine patient. Its +x is the
 * direction of that patient's left, +y points down towards the table, and +z points from the
 * bore opening into the magnet, where a head-first patient's head points.
 */
import { PATIENT_POSITIONS, type PatientPosition, type Vec3 } from './types.ts';
import type { Matrix3 } from './matrix3.ts';
import { fromColumns, multiplyVector } from './matrix3.ts';

/** Magnet directions of the patient's left (+x LPS), posterior (+y) and head (+z) for each position. */
const PATIENT_AXES_IN_MAGNET: Record<PatientPosition, { left: Vec3; posterior: Vec3; head: Vec3 }> = {
  // Head first: head points into the bore (+z).
  HFS: { left: [1, 0, 0], posterior: [0, 1, 0], head: [0, 0, 1] },
  HFP: { left: [-1, 0, 0], posterior: [0, -1, 0], head: [0, 0, 1] },
  // Decubitus left: the patient's left side is down (+y); decubitus right: the right side is down.
  HFDL: { left: [0, 1, 0], posterior: [-1, 0, 0], head: [0, 0, 1] },
  HFDR: { left: [0, -1, 0], posterior: [1, 0, 0], head: [0, 0, 1] },
  // Feet first: head points out of the bore (-z).
  FFS: { left: [-1, 0, 0], posterior: [0, 1, 0], head: [0, 0, -1] },
  FFP: { left: [1, 0, 0], posterior: [0, -1, 0], head: [0, 0, -1] },
  FFDL: { left: [0, 1, 0], posterior: [1, 0, 0], head: [0, 0, -1] },
  FFDR: { left: [0, -1, 0], posterior: [-1, 0, 0], head: [0, 0, -1] },
};

/** Rotation taking an LPS vector of a patient in `position` to the magnet frame described above. */
export function patientToMagnetMatrix(position: PatientPosition): Matrix3 {
  const axes = PATIENT_AXES_IN_MAGNET[position];
  return fromColumns(axes.left, axes.posterior, axes.head);
}

/** Direction in the magnet frame of an LPS direction of a patient in `position`. */
export function lpsToMagnetDirection(position: PatientPosition, directionLps: Vec3): Vec3 {
  return multiplyVector(patientToMagnetMatrix(position), directionLps);
}

/** The scanner's true axial normal in LPS: the head direction, the same for every accepted position. */
export const TRUE_AXIAL_NORMAL_LPS: Vec3 = [0, 0, 1];

export function isPatientPosition(value: string): value is PatientPosition {
  return (PATIENT_POSITIONS as readonly string[]).includes(value);
}
