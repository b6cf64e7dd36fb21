/**
 * Every jest worker's environment. The functions' logger stays silent: handlers log a
 * warning for every refused request, which tests make on purpose. A test that looks at what
 * is logged turns it on while it captures (handlers.test.ts); `LOG_LEVEL=DEBUG npm test`
 * shows everything.
 */
process.env.LOG_LEVEL ??= 'SILENT';
