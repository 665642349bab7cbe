/**
 * The GNU parallel recipe, examples/embed-parallel.sh, run for real over ssh:
 * an sshd of our own on 127.0.0.1 (a free port, a temporary config and a
 * throwaway key, stopped after), reached as two hosts, host-a and host-b,
 * through a temporary ssh config. Each job copies the corpus to its own
 * folder under ~/.parallel/tmp and its shard back; the merged file must be
 * byte for byte that of one unsharded run, and the summary must name both
 * hosts. parallel, sshd and rsync come from .ci/setup.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertFixture } from './fixture.js';
import { corpusText, filesIn, writeIn } from './corpus.js';
import { elmoWasm } from './run-cli.js';
import { runCommand } from './run-command.js';

const recipe = fileURLToPath(new URL('../../examples/embed-parallel.sh', import.meta.url));
const cli = fileURLToPath(new URL('../../js/node/cli.js', import.meta.url));
const SSHD = '/usr/sbin/sshd';

/** @returns {Promise<number>} a port nothing listens on now */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let work;
let sshDir = '';
/** @type {import('node:child_process').ChildProcess | null} */
let sshd = null;
let sshConfig = '';

before(async () => {
  for (const tool of ['parallel', 'rsync', 'ssh', 'ssh-keygen']) {
    assert.doesNotThrow(() => execFileSync('sh', ['-c', `command -v ${tool}`]), `${tool} is missing: run bash .ci/setup`);
  }
  assert.ok(existsSync(SSHD), `${SSHD} is missing (Debian's openssh-server): run bash .ci/setup`);
  work = await convertFixture();
  sshDir = await mkdtemp(join(tmpdir(), 'elmo-wasm-sshd-'));
  for (const key of ['client_key', 'host_key']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(sshDir, key)]);
  await writeFile(join(sshDir, 'authorized_keys'), await readFile(join(sshDir, 'client_key.pub')), { mode: 0o600 });
  const port = await freePort();
  await writeFile(
    join(sshDir, 'sshd_config'),
    [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(sshDir, 'host_key')}`, `AuthorizedKeysFile ${join(sshDir, 'authorized_keys')}`,
      'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PermitRootLogin prohibit-password', 'PidFile none', '',
    ].join('\n'),
  );
  sshConfig = join(sshDir, 'ssh_config');
  await writeFile(
    sshConfig,
    [
      'Host host-a host-b', '  HostName 127.0.0.1', `  Port ${port}`, `  User ${userInfo().username}`, `  IdentityFile ${join(sshDir, 'client_key')}`,
      '  IdentitiesOnly yes', '  StrictHostKeyChecking no', `  UserKnownHostsFile ${join(sshDir, 'known_hosts')}`, '  BatchMode yes', '  LogLevel ERROR', '',
    ].join('\n'),
  );
  await mkdir('/run/sshd', { recursive: true }); // sshd's privilege separation folder, which its service would make
  sshd = spawn(SSHD, ['-D', '-f', join(sshDir, 'sshd_config'), '-E', join(sshDir, 'sshd.log')], { stdio: 'ignore' });
  for (let tries = 0; ; tries++) {
    const r = await runCommand('ssh', ['-F', sshConfig, 'host-a', 'true']);
    if (r.code === 0) break;
    if (tries >= 50) assert.fail(`sshd on port ${port} did not let us in: ${r.stderr} ${await readFile(join(sshDir, 'sshd.log'), 'utf8').catch(() => '')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

after(async () => {
  if (sshd && sshd.exitCode === null) {
    const gone = new Promise((resolve) => sshd?.once('exit', resolve));
    sshd.kill('SIGTERM');
    await gone;
  }
  if (sshDir) await rm(sshDir, { recursive: true, force: true });
  await work?.cleanup();
});

test('the GNU parallel recipe over ssh on two hosts merges to the unsharded run\'s bytes, and says what each host did', async () => {
  const text = await corpusText(250, 21); // blocks of 100, 100, 50
  const whole = join(work.dir, 'whole');
  await writeIn(whole, 'corpus.txt', text);
  const r = await elmoWasm('embed', join(whole, 'corpus.txt'), join(whole, 'out.npy'), '--model', work.modelDir, '--top');
  assert.equal(r.code, 0, r.stderr);
  const want = await filesIn(whole, ['corpus.txt']);

  const here = join(work.dir, 'recipe');
  await writeIn(here, 'corpus.txt', text);
  const env = { MODEL: work.modelDir, HOSTS: '1/host-a,1/host-b', ELMO: `${process.execPath} ${cli}`, PARALLEL_SSH: `ssh -F ${sshConfig}` };
  const p = await runCommand('bash', [recipe, 'corpus.txt', 'out.npy', '2', '--top'], { cwd: here, env: { ...process.env, ...env } });
  assert.equal(p.code, 0, `${p.stdout}\n${p.stderr}`);
  const got = await filesIn(here);
  for (const name of Object.keys(want)) assert.ok(got[name]?.equals(want[name]), `${name} is byte for byte the unsharded run's`);
  for (const i of [0, 1]) assert.ok(got[`out.${i}.npy`] && got[`out.${i}.npy.journal`] && got[`out.${i}.index.json`], `shard ${i} came back with its journal and index`);
  const joblog = (await readFile(join(here, 'out.2-shards.joblog'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  assert.deepEqual(joblog.map((f) => f[1]).sort(), ['host-a', 'host-b'], 'one shard ran on each host');
  assert.ok(joblog.every((f) => f[6] === '0'), 'and both succeeded');
  assert.match(p.stdout, /wrote out\.npy: 250 sentences from 2 shards; embedded by/);
  assert.match(p.stdout, /^ {2}host-a#\d+ +1 shard +\d+ sentences +\d+ tokens +[\d.]+ s +\d+ tokens\/s$/m);
  assert.match(p.stdout, /^ {2}host-b#\d+ +1 shard +\d+ sentences/m);
});
