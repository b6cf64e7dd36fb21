/** Types of pid-ledger.js (CommonJS, loaded by jest's global setup and teardown untransformed). */
export declare const LEDGER_ENV: 'BASHKE_E2E_PID_LEDGER';
export declare function processStartTime(pid: number): string | undefined;
export declare function createRunLedger(): string;
export declare function runLedger(env?: NodeJS.ProcessEnv): string;
export declare function recordPid(ledger: string, pid: number): void;
export declare function readLedger(ledger: string): Array<{ pid: number; startTime: string }>;
export declare function reapLedger(ledger: string): { killed: number[]; foreign: number[] };
