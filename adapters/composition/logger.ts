import { type Logger, pino } from 'pino';
import { type Config, LOG_REDACT_PATHS } from '../config/config.ts';

/** The service's logger: structured, secrets redacted wherever they would appear. */
export function createLogger(config: Config): Logger {
  return pino({
    level: config.log.level,
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'oms' },
  });
}
