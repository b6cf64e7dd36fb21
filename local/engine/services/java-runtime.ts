import { spawnSync } from 'node:child_process';

/** The install line printed when Java is missing or too old. */
export const JAVA_INSTALL_HINT = 'apt-get install -y default-jdk-headless (as root, or through sudo)';

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

/** Major version of `java` on PATH, or undefined when there is none. */
export function javaMajorVersion(java = 'java'): number | undefined {
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/** True when `javac` is on PATH (the launcher is compiled once into the data folder). */
export function hasJavac(): boolean {
  const out = spawnSync('javac', ['-version'], { encoding: 'utf8' });
  return !out.error && out.status === 0;
}

export function requireJava(minimum = 17): void {
  const major = javaMajorVersion();
  if (major === undefined) {
    throw new JavaMissingError(
      `Java ${minimum} or newer is needed for DynamoDB Local; install it with: ${JAVA_INSTALL_HINT}`,
    );
  }
  if (major < minimum) {
    throw new JavaMissingError(
      `Java ${major} is too old for DynamoDB Local (needs ${minimum}+): ${JAVA_INSTALL_HINT}`,
    );
  }
}
