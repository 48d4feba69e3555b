import MarkdownIt from "markdown-it";

/*
 * Model output is untrusted: `html: false` makes markdown-it escape every tag in it, and its link
 * check refuses javascript:, vbscript: and data: URLs. The result is safe to set as innerHTML.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

export function renderMarkdown(text: string): string {
  return md.render(text);
}
