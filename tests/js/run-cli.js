/** Runs the CLI as a user does, in a child process, and returns what it said. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../js/node/cli.js', import.meta.url));

/**
 * @param {string} stdin what the CLI reads on its standard input
 * @param {...string} args
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export const elmoWasmWithInput = (stdin, ...args) => elmoWasmRun({ stdin }, ...args);

/**
 * @param {{ stdin?: string, env?: Record<string, string>, preload?: string, cwd?: string, killAfterMs?: number }} options
 *   env: added to this process's; preload: a module run first (`node --import`); killAfterMs: SIGKILL it then
 * @param {...string} args
 * @returns {Promise<{ code: number, signal: NodeJS.Signals | null, stdout: string, stderr: string }>}
 */
export function elmoWasmRun({ stdin = '', env = {}, preload, cwd, killAfterMs }, ...args) {
  return new Promise((resolve, reject) => {
    const node = preload ? ['--import', preload] : [];
    const child = spawn(process.execPath, [...node, cli, ...args], { env: { ...process.env, ...env }, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/**
 * @param {...string} args
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export const elmoWasm = (...args) => elmoWasmWithInput('', ...args);
