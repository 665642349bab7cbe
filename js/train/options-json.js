/**
 * options.json in the form AllenNLP publishes its ELMo models: only `lstm`
 * and `char_cnn`, keys in the order of the released files, n_characters 262,
 * written as Python's json.dumps writes it (", " and ": " separators, one
 * line). bilm-tf's trainer writes n_characters 261 and its training settings
 * (batch_size, dropout, …); its README says to set 262 for prediction, which
 * is what users then load.
 */

const LSTM_KEYS = ['cell_clip', 'use_skip_connections', 'n_layers', 'proj_clip', 'projection_dim', 'dim'];
const CHAR_CNN_KEYS = ['embedding', 'filters', 'n_highway', 'n_characters', 'max_characters_per_token', 'activation'];
const REQUIRED = ['lstm.n_layers', 'lstm.projection_dim', 'lstm.dim', 'char_cnn.embedding', 'char_cnn.filters', 'char_cnn.n_highway', 'char_cnn.max_characters_per_token', 'char_cnn.activation'];

/**
 * @param {any} section
 * @param {string[]} keys
 */
function ordered(section, keys) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const key of keys) if (section[key] !== undefined) out[key] = section[key];
  return out;
}

/**
 * The released form of a model's options (training or released form).
 * @param {any} options
 * @returns {{ lstm: Record<string, unknown>, char_cnn: Record<string, unknown> }}
 */
export function releasedOptions(options) {
  for (const path of REQUIRED) {
    const [section, key] = path.split('.');
    if (options?.[section]?.[key] === undefined) throw new Error(`options.${path} is missing`);
  }
  const activation = options.char_cnn.activation;
  if (activation !== 'relu' && activation !== 'tanh') throw new Error(`options.char_cnn.activation must be "relu" or "tanh", got ${JSON.stringify(activation)}`);
  return {
    lstm: ordered(options.lstm, LSTM_KEYS),
    char_cnn: { ...ordered(options.char_cnn, CHAR_CNN_KEYS), n_characters: 262 },
  };
}

/**
 * JSON as Python's json.dumps writes it by default.
 * @param {unknown} value
 * @returns {string}
 */
function pythonJson(value) {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The text of options.json for a trained model, released form, ending in a newline.
 * @param {any} options
 * @returns {string}
 */
export function formatReleasedOptions(options) {
  return `${pythonJson(releasedOptions(options))}\n`;
}
