import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/** Placeholder while the console is written (issue 11): replaced by the console's router. */
export const handler = async (): Promise<APIGatewayProxyResultV2> => ({
  statusCode: 503,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  body: 'The console is not built yet.',
});
