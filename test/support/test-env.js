/**
 * Every jest worker's environment. The functions' loggers stay silent (the house logger and
 * the workflow steps' Powertools Logger both read LOG_LEVEL): handlers log a warning for
 * every refused request, which tests make on purpose. A test that looks at what is logged
 * turns it on while it captures (handlers.test.ts, step-handler.test.ts);
 * `LOG_LEVEL=DEBUG npm test` shows everything.
 */
process.env.LOG_LEVEL ??= 'SILENT';
