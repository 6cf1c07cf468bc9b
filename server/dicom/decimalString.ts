/** Maximum length of one DICOM Decimal String (DS) value, in characters. */
export const MAX_DECIMAL_STRING_LENGTH = 16;

/**
 * Formats a number as a DICOM Decimal String value of at most 16 characters, keeping as many
 * significant digits as fit. Uses exponent notation only when fixed notation cannot fit.
 * Throws a RangeError for NaN and infinities, which DS cannot represent.
 */
export function formatDecimalString(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`Cannot write ${value} as a DICOM decimal string: DS values must be finite. Check the value before writing it.`);
  }
  if (Object.is(value, -0) || value === 0) return '0';

  const plain = String(value);
  if (plain.length <= MAX_DECIMAL_STRING_LENGTH && !plain.includes('e')) return plain;

  // Try fixed notation with decreasing precision, then exponent notation.
  for (let digits = 15; digits >= 1; digits -= 1) {
    const fixed = trimFraction(value.toPrecision(digits));
    if (fixed.length <= MAX_DECIMAL_STRING_LENGTH && !fixed.includes('e')) return fixed;
  }
  for (let digits = 15; digits >= 1; digits -= 1) {
    const exponent = trimExponent(value.toExponential(digits - 1));
    // Rounding up near Number.MAX_VALUE can overflow to Infinity when read back, so keep fewer digits.
    if (exponent.length <= MAX_DECIMAL_STRING_LENGTH && Number.isFinite(Number(exponent))) return exponent;
  }
  throw new RangeError(`Cannot write ${value} in ${MAX_DECIMAL_STRING_LENGTH} characters as a DICOM decimal string.`);
}

/** Drops trailing zeros of a fixed-notation fraction ("1.2500" to "1.25", "3.000" to "3"). */
function trimFraction(text: string): string {
  if (text.includes('e') || !text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** Drops trailing zeros of the mantissa and the "+" sign of the exponent ("1.50e+20" to "1.5e20"). */
function trimExponent(text: string): string {
  const [mantissa, exponent] = text.split('e');
  return `${trimFraction(mantissa)}e${exponent.replace('+', '')}`;
}
