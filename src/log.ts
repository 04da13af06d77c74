// Structured JSON logs (pino), one child logger per request carrying its request id (D12).
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'fhir-server' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.ssn', '*.mfaSecret'],
      censor: '[redacted]',
    },
  });
}
