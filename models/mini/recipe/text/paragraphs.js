/**
 * Lines of a text into paragraphs: runs of non-empty lines, joined by
 * spaces (a line that is null, R's NA, counts as empty).
 * @param {Iterable<string | null>} lines
 * @returns {Generator<string>}
 */
export function* linesToParagraphs(lines) {
  let paragraph = [];
  for (const line of lines) {
    if (line === null || line.trim() === '') {
      if (paragraph.length > 0) yield paragraph.join(' ');
      paragraph = [];
    } else paragraph.push(line.trim());
  }
  if (paragraph.length > 0) yield paragraph.join(' ');
}
