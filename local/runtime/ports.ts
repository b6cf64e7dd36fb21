import { readFileSync } from 'node:fs';
import * as net from 'node:net';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

/** Ports of the local services, from a base (BASHKE_PORT); base 0 = every port ephemeral. */
export interface PortPlan {
  readonly gateway: number;
  readonly ses: number;
  readonly stepFunctions: number;
  readonly dynamodb: number;
  readonly refuse: number;
  /** The sign-in server (auth/oauth-server.ts): the issuer and the managed login's OAuth endpoints. */
  readonly issuer: number;
}

export function portPlan(base: number): PortPlan {
  if (base === 0) return { gateway: 0, ses: 0, stepFunctions: 0, dynamodb: 0, refuse: 0, issuer: 0 };
  return {
    gateway: base,
    ses: base + 1,
    stepFunctions: base + 2,
    dynamodb: base + 3,
    refuse: base + 4,
    issuer: base + 5,
  };
}

export function parsePortBase(value: string | undefined, fallback = 4700): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65530)
    throw new Error('BASHKE_PORT must be 0 or a port number up to 65530');
  return n;
}

/** Fails early, naming the port, when a fixed port is taken. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(`port ${port} (${what}) is in use; set BASHKE_PORT to another base, or 0`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** A free loopback port, for services that must know their port before they start. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a loopback port can be bound now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first port of the kernel's ephemeral range (Linux's own file; 32768 elsewhere, below IANA's 49152). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A BASHKE_PORT base whose whole plan is free now: for a stack that must come back on the same
 * ports after a restart (links in emails name the port), or whose DynamoDB port a tool must
 * know before it starts (`portPlan(base).dynamodb`). Drawn below the kernel's ephemeral range:
 * a port in that range can be taken at any moment as the source port of an outgoing
 * connection, and the restart on it would then fail with EADDRINUSE.
 */
export async function freePortBase(): Promise<number> {
  const size = Object.keys(portPlan(1)).length;
  const span = ephemeralLow() - 10_000 - size;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * span);
    let free = true;
    for (let p = base; p < base + size && free; p++) free = await portIsFree(p);
    if (free) return base;
  }
  throw new Error('no free port range found below the ephemeral ports');
}
