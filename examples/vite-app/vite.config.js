// The library spawns its worker itself and finds its .wasm files next to its
// modules: keep it out of dependency pre-bundling, which would move them.
// base './': the built app works from any folder of any static server.
export default {
  base: './',
  optimizeDeps: { exclude: ['elmo-wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022' },
};
