/**
 * Faults injected into a CLI child process (`node --import <this file>`), to
 * test what a kill or a failing disk leaves behind. Only operations on files
 * whose path contains ELMO_FAULT_PATHS count. Every operation that changes
 * a file — open for writing, write, fsync, truncate, rename, remove, in
 * fs/promises and in fs's synchronous calls (h5wasm's) — is one step; the
 * disk's state can only change at a step, so killing the process just before
 * step k (or in the middle of it, for a write) stands for a kill at any
 * moment between steps k - 1 and k.
 *
 *   ELMO_FAULT_KILL_AT=k        SIGKILL at step k (1-based)
 *   ELMO_FAULT_TORN=1           ... after writing the first half of step k, if it is a write
 *   ELMO_FAULT_COUNT_FILE=path  write the number of steps taken there at exit
 *   ELMO_FAULT_ENOSPC_AFTER=n   the disk is full after n bytes: a write past it is short, then ENOSPC
 *   ELMO_FAULT_EIO_READ=text    reading a file whose path contains text fails with EIO
 */
import nodeFs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

/** @type {any} patched below, so loosely typed */
const fs = nodeFs;
const env = process.env;
const scope = env.ELMO_FAULT_PATHS ?? '\0';
const killAt = Number(env.ELMO_FAULT_KILL_AT ?? 0);
const torn = env.ELMO_FAULT_TORN === '1';
let room = env.ELMO_FAULT_ENOSPC_AFTER === undefined ? Infinity : Number(env.ELMO_FAULT_ENOSPC_AFTER);
const eioRead = env.ELMO_FAULT_EIO_READ;
let steps = 0;

if (env.ELMO_FAULT_COUNT_FILE) process.on('exit', () => fs.writeFileSync(/** @type {string} */ (env.ELMO_FAULT_COUNT_FILE), String(steps)));

/** @param {number} fd */
const pathOf = (fd) => {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
};

const die = () => {
  process.kill(process.pid, 'SIGKILL');
  for (;;); // the signal is on its way
};

/**
 * One step on `path`: returns whether to tear it (write half, then die), dies before it at killAt.
 * @param {string} path
 * @param {boolean} isWrite
 */
function step(path, isWrite) {
  if (!String(path).includes(scope)) return false;
  steps++;
  if (steps !== killAt) return false;
  if (torn && isWrite) return true;
  die();
  return false;
}

/** @param {string} syscall */
const enospc = (syscall) => Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: 'ENOSPC', errno: -28, syscall });

/**
 * How much of a write of `length` bytes fits; throws ENOSPC when nothing does.
 * @param {string} path
 * @param {number} length
 * @param {string} syscall
 */
function fits(path, length, syscall) {
  if (!path.includes(scope) || room === Infinity) return length;
  if (length > 0 && room <= 0) throw enospc(syscall);
  const n = Math.min(length, room);
  room -= n;
  return n;
}

const handle = await fs.promises.open('/dev/null', 'r');
/** @type {any} */
const FileHandle = Object.getPrototypeOf(handle);
await handle.close();

const write = FileHandle.write;
FileHandle.write = async function (/** @type {any} */ buffer, offset = 0, /** @type {any} */ length, /** @type {any} */ position) {
  if (typeof buffer === 'string') return this.write(Buffer.from(buffer)); // (string, position?, encoding?) is only used so
  const path = pathOf(this.fd);
  const len = length ?? buffer.byteLength - offset;
  if (step(path, true)) {
    await write.call(this, buffer, offset, Math.floor(len / 2), position);
    die();
  }
  return write.call(this, buffer, offset, fits(path, len, 'write'), position);
};
for (const name of ['sync', 'datasync', 'truncate']) {
  const original = FileHandle[name];
  FileHandle[name] = function (/** @type {any[]} */ ...args) {
    step(pathOf(this.fd), false);
    return original.apply(this, args);
  };
}
const read = FileHandle.read;
FileHandle.read = function (/** @type {any[]} */ ...args) {
  if (eioRead && pathOf(this.fd).includes(eioRead)) return Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' }));
  return read.apply(this, args);
};

/** @type {any} */
const p = fs.promises;
for (const name of ['rename', 'rm', 'unlink', 'writeFile']) {
  const original = p[name];
  p[name] = function (/** @type {string} */ path, /** @type {any[]} */ ...args) {
    step(resolve(String(path)), name === 'writeFile');
    return original.call(this, path, ...args);
  };
}
const open = p.open;
p.open = function (/** @type {string} */ path, flags = 'r', /** @type {any[]} */ ...args) {
  if (flags !== 'r') step(resolve(String(path)), false);
  return open.call(this, path, flags, ...args);
};

const writeSync = fs.writeSync;
fs.writeSync = function (/** @type {number} */ fd, /** @type {any} */ buffer, /** @type {any} */ offset, /** @type {any} */ length, /** @type {any} */ position) {
  const path = pathOf(fd);
  if (typeof buffer === 'string' || !path.includes(scope)) return writeSync.apply(this, arguments);
  const len = length ?? buffer.byteLength - (offset ?? 0);
  if (step(path, true)) {
    writeSync.call(this, fd, buffer, offset, Math.floor(len / 2), position);
    die();
  }
  return writeSync.call(this, fd, buffer, offset, fits(path, len, 'write'), position);
};
for (const name of ['fsyncSync', 'fdatasyncSync', 'ftruncateSync']) {
  const original = fs[name];
  fs[name] = function (/** @type {number} */ fd, /** @type {any[]} */ ...args) {
    step(pathOf(fd), false);
    return original.call(this, fd, ...args);
  };
}
for (const name of ['renameSync', 'unlinkSync']) {
  const original = fs[name];
  fs[name] = function (/** @type {string} */ path, /** @type {any[]} */ ...args) {
    step(resolve(String(path)), false);
    return original.call(this, path, ...args);
  };
}
const openSync = fs.openSync;
fs.openSync = function (/** @type {string} */ path, /** @type {any} */ flags = 'r', /** @type {any[]} */ ...args) {
  if (flags !== 'r' && flags !== 0) step(resolve(String(path)), false);
  return openSync.call(this, path, flags, ...args);
};
const readSync = fs.readSync;
fs.readSync = function (/** @type {number} */ fd, /** @type {any[]} */ ...args) {
  if (eioRead && pathOf(fd).includes(eioRead)) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' });
  return readSync.call(this, fd, ...args);
};
syncBuiltinESMExports();
