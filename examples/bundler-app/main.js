// Vite's and webpack's entry: they follow the library's
// `new Worker(new URL('…', import.meta.url))` and `new URL('….wasm', import.meta.url)`,
// bundle its worker and helper thread and emit the .wasm files.
import { startApp } from './app.js';

startApp();
