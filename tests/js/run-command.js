/** Runs a program in a child process and returns what it said; used for npm, npx, deno and bun. */
import { spawn } from 'node:child_process';

/**
 * @param {string} command a path, or a name looked up in `env.PATH`
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string | undefined>, stdin?: string }} [options]
 *   env: the whole environment (default: this process's)
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export function runCommand(command, args, { cwd, env = process.env, stdin = '' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * Like runCommand, but a non-zero exit is an error carrying what the program said.
 * @param {string} command
 * @param {string[]} args
 * @param {Parameters<typeof runCommand>[2]} [options]
 * @returns {Promise<string>} its stdout
 */
export async function runOk(command, args, options) {
  const r = await runCommand(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
