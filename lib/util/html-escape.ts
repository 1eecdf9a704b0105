/**
 * Escaping for text placed in HTML or SVG, in element content or in a quoted
 * attribute. Every string that comes from a results file (error bodies, URLs,
 * group names, config values) goes through it: an error body can hold HTML.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
}
