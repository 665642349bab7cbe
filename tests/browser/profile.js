/**
 * A browser on a fresh profile folder of its own, deleted when the browser
 * closes (or fails to start).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @template C
 * @param {string} prefix the profile folder's name prefix
 * @param {(profile: string) => Promise<{ context: C, close: () => Promise<void> }>} start starts the browser on `profile`
 * @returns {Promise<{ context: C, close: () => Promise<void> }>}
 */
export async function withFreshProfile(prefix, start) {
  const profile = await mkdtemp(join(tmpdir(), prefix));
  const remove = () => rm(profile, { recursive: true, force: true });
  try {
    const { context, close } = await start(profile);
    return {
      context,
      async close() {
        await close();
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
