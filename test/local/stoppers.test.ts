import { runStoppers } from '../../local/runtime/stoppers';

describe('stopping the stack', () => {
  it('stops newest first, each once, and goes on past one that fails or never ends', async () => {
    const order: string[] = [];
    const lines: string[] = [];
    let never: (() => void) | undefined;
    const started = Date.now();
    await runStoppers(
      [
        async () => void order.push('dynamodb'),
        async () => {
          order.push('workers');
          throw new Error('stuck');
        },
        () =>
          new Promise<void>((resolve) => {
            order.push('server');
            never = resolve;
          }),
        async () => void order.push('gateway'),
      ],
      { timeoutMs: 50, log: (l) => lines.push(l) },
    );
    expect(order).toEqual(['gateway', 'server', 'workers', 'dynamodb']);
    expect(lines).toEqual(['stopping part 3 of 4: timed out', 'stopping part 2 of 4: failed']);
    expect(Date.now() - started).toBeLessThan(2_000);
    never?.();
  });

  it('leaves no timer behind when every part stops at once', async () => {
    const lines: string[] = [];
    await runStoppers([async () => undefined], { timeoutMs: 60_000, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
  });
});
