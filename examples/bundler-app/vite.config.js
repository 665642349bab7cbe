// The library spawns its worker itself and finds its .wasm files next to its
// modules: keep it out of dependency pre-bundling, which would move them.
// base './': the built app works from any folder of any static server.
// The headers make the dev server's and the preview's pages cross-origin
// isolated, so the model runs on threads.
const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  base: './',
  optimizeDeps: { exclude: ['elmo-wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist/vite' },
  server: { headers: isolated },
  preview: { headers: isolated },
};
