import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Role } from '../../shared/domain/codes';

/** The claims API Gateway's JWT authorizer passes on for a member of `orgId` in `role`. */
export const claimsFor = (role: Role, orgId: string) => ({
  sub: `${role}-${orgId}`,
  token_use: 'id',
  'custom:orgId': orgId,
  'cognito:groups': `[${role}]`,
});

/**
 * An HTTP API (payload 2.0) event of `routeKey`, as the authorizer lets it through; without
 * `claims`, as a route without an authorizer (the action links) gets it.
 */
export function apiRequest(
  method: string,
  routeKey: string,
  claims: Record<string, string> | undefined,
  extra: Partial<APIGatewayProxyEventV2WithJWTAuthorizer> = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
    },
    ...extra,
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}
