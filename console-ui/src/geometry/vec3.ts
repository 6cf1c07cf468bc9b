/** Plain 3-vector arithmetic for the console's geometry; all inputs are LPS tuples. */
export type Vec3 = readonly [number, number, number];

export function add(a: Vec3, b: Vec3): [number, number, number] {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function subtract(a: Vec3, b: Vec3): [number, number, number] {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale(a: Vec3, factor: number): [number, number, number] {
  return [a[0] * factor, a[1] * factor, a[2] * factor];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** Scales `a` to unit length; a zero vector is returned unchanged. */
export function normalize(a: Vec3): [number, number, number] {
  const length = norm(a);
  return length === 0 ? [a[0], a[1], a[2]] : [a[0] / length, a[1] / length, a[2] / length];
}

/** Rotates `v` about the unit `axis` by `angleRad`, right-handed (Rodrigues' formula). */
export function rotateAboutAxis(v: Vec3, axis: Vec3, angleRad: number): [number, number, number] {
  const cosAngle = Math.cos(angleRad);
  const sinAngle = Math.sin(angleRad);
  const axisCrossV = cross(axis, v);
  const axisDotV = dot(axis, v);
  return [
    v[0] * cosAngle + axisCrossV[0] * sinAngle + axis[0] * axisDotV * (1 - cosAngle),
    v[1] * cosAngle + axisCrossV[1] * sinAngle + axis[1] * axisDotV * (1 - cosAngle),
    v[2] * cosAngle + axisCrossV[2] * sinAngle + axis[2] * axisDotV * (1 - cosAngle),
  ];
}
