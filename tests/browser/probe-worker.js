// A worker for the browser tests (not a test file itself): the real one
// (js/worker/worker-host.js) plus two ways to die on demand, and a report on a
// BroadcastChannel of whether embedding results left the worker by transfer
// (their buffers are then detached here).
//   a sentence with the token __close__: the worker closes itself, silently;
//   a sentence with the token __throw__: an uncaught error.
import { serveElmo } from '../../js/worker/worker-host.js';

const channel = new BroadcastChannel('elmo-wasm-probe-worker');

serveElmo({
  name: self.name,
  addEventListener(type, listener) {
    self.addEventListener(type, (event) => {
      const words = JSON.stringify(event.data?.in?.sentences ?? []);
      if (words.includes('"__close__"')) return self.close();
      if (words.includes('"__throw__"')) throw new Error('test worker: thrown on purpose');
      return listener(event);
    });
  },
  postMessage(message, transfer) {
    self.postMessage(message, transfer);
    if (message.type === 'embed' && message.out) {
      channel.postMessage({ detached: message.out.map((e) => e.data.byteLength === 0 && e.data.buffer.byteLength === 0) });
    }
  },
});
