/**
 * The process-wide pino logger. Components take a child logger with their name and ids.
 * Patient name, ID and birth date are redacted wherever they appear under these keys.
 */
import { pino } from 'pino';

// Logs go to standard error, so that a command's own output on standard output (such as
// `plan --json`) can be piped.
export const logger = pino(
  {
    name: 'lumbar-copilot',
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: {
      paths: ['patient', '*.patient', 'patientName', 'patientId', 'patientBirthDate', '*.patientName', '*.patientId'],
      censor: '[redacted]',
    },
  },
  pino.destination(2),
);

export type Logger = pino.Logger;
