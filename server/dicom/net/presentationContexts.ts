/**
 * Presentation context rules of the Storage SCP: the SOP classes it can use and the
 * uncompressed transfer syntaxes it can pass to the parser. Pure, so the rules are testable
 * without a network.
 */

export const VERIFICATION_SOP_CLASS_UID = '1.2.840.10008.1.1';
export const MR_IMAGE_STORAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.4';
export const ENHANCED_MR_IMAGE_STORAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.4.1';
export const SECONDARY_CAPTURE_IMAGE_STORAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.7';

export const STORAGE_SOP_CLASS_UIDS: readonly string[] = [
  MR_IMAGE_STORAGE_SOP_CLASS_UID,
  ENHANCED_MR_IMAGE_STORAGE_SOP_CLASS_UID,
  SECONDARY_CAPTURE_IMAGE_STORAGE_SOP_CLASS_UID,
];

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

/**
 * Accepted transfer syntaxes, most preferred first. Explicit VR comes first because it carries
 * the value representations, and deflated is last because it costs an inflate per instance.
 * Compressed pixel syntaxes (JPEG, JPEG 2000, RLE) and big endian are not listed, so a
 * context that offers only those is rejected and the sender can propose an uncompressed one.
 */
export const ACCEPTED_TRANSFER_SYNTAX_UIDS: readonly string[] = [
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
];

export type ContextDecision =
  | { result: 'accept'; transferSyntaxUid: string }
  | { result: 'reject-abstract-syntax' }
  | { result: 'reject-transfer-syntaxes' };

/** Decides one proposed presentation context: accepted with the preferred transfer syntax, or the rejection reason. */
export function negotiatePresentationContext(abstractSyntaxUid: string, proposedTransferSyntaxUids: readonly string[]): ContextDecision {
  const supported = abstractSyntaxUid === VERIFICATION_SOP_CLASS_UID || STORAGE_SOP_CLASS_UIDS.includes(abstractSyntaxUid);
  if (!supported) return { result: 'reject-abstract-syntax' };

  const allowed = abstractSyntaxUid === VERIFICATION_SOP_CLASS_UID ? [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN] : ACCEPTED_TRANSFER_SYNTAX_UIDS;
  const chosen = allowed.find((uid) => proposedTransferSyntaxUids.includes(uid));
  if (chosen === undefined) return { result: 'reject-transfer-syntaxes' };
  return { result: 'accept', transferSyntaxUid: chosen };
}

/** Checks a calling AE title against the allowed list. An empty list allows every caller. */
export function isCallingAeAllowed(callingAeTitle: string, allowedCallingAeTitles: readonly string[]): boolean {
  if (allowedCallingAeTitles.length === 0) return true;
  return allowedCallingAeTitles.includes(callingAeTitle.trim());
}
