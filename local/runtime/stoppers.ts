/** Stops one part of the running stack. */
export type Stopper = () => Promise<void>;

export interface StopOptions {
  /** How long one part may take to stop before the next is stopped regardless. @default 10000 */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Runs the stoppers newest first, each once, and resolves when every one has settled or run
 * out of time: a part that cannot stop (a server waiting on a connection a resumed execution
 * holds, a worker stuck in a call) must not keep the launcher, and the data folder's lock,
 * alive. One that fails or times out is logged and the rest still run, so the child processes
 * (DynamoDB Local, the SES emulator, started first and stopped last) are always stopped.
 */
export async function runStoppers(stoppers: readonly Stopper[], options: StopOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  for (const [i, stop] of [...stoppers].reverse().entries()) {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      stop().then(
        () => 'stopped' as const,
        () => 'failed' as const,
      ),
      new Promise<'timed out'>((resolve) => {
        timer = setTimeout(() => resolve('timed out'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'stopped')
      options.log?.(`stopping part ${stoppers.length - i} of ${stoppers.length}: ${outcome}`);
  }
}
