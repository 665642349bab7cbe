// The module worker behind ElmoWorker (js/worker/elmo-worker-client.js): it only
// serves an Elmo; all the work is in js/.
import { serveElmo } from '../js/worker/worker-host.js';

serveElmo(/** @type {any} */ (self));
