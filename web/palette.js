/** One colour per sentence, shared by the heatmap labels, the scatter and the neighbour list. */
const COLORS = ['#d9480f', '#1971c2', '#2f9e44', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5f3dc4'];

/** @param {number} sentence */
export const sentenceColor = (sentence) => COLORS[sentence % COLORS.length];
