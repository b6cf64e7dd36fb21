import { escapeHtml } from '../email/html';

/**
 * The house look of every HTML page the system serves (the emailed-link pages now, the console
 * later): one stylesheet, inlined in a `<style>` element. The pages' CSP allows inline style
 * (`style-src 'unsafe-inline'`) and no script at all, so nothing here may need JavaScript, and
 * nothing is fetched: no fonts, images or other files, from us or anyone else.
 *
 * Colours meet WCAG 2.2 AA on white: text #1b1b1b (17:1), muted #595959 (7:1), the brand and
 * button blue #0b4f8a (8:1), the error red #a4001d (8:1). Controls are at least 44 px high and
 * the focus ring is 3 px of the blue, set off from the control by 2 px.
 */
export const STYLESHEET = [
  '*,*::before,*::after{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;background:#fff;color:#1b1b1b;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;font-size:1.0625rem;line-height:1.55}',
  '.bar{background:#0b4f8a;color:#fff;padding:.75rem 1rem}',
  '.bar p{margin:0 auto;max-width:42rem;font-weight:700;font-size:1.25rem;letter-spacing:.02em}',
  'main{display:block;max-width:42rem;margin:0 auto;padding:1rem 1rem 2rem}',
  'h1{font-size:1.6rem;line-height:1.25;margin:.75rem 0 1rem}',
  'p{margin:.75rem 0}',
  'form{margin:1.5rem 0;padding:1rem;border:1px solid #8a8a8a;border-radius:.375rem}',
  'fieldset{margin:1rem 0;padding:.5rem 1rem;border:1px solid #8a8a8a;border-radius:.375rem}',
  'legend{font-weight:700;padding:0 .25rem}',
  'label{font-weight:600}',
  '.choice{display:flex;align-items:center;gap:.6rem;min-height:44px;margin:.25rem 0}',
  '.choice label{font-weight:400;flex:1;padding:.5rem 0}',
  'input[type=radio],input[type=checkbox]{width:1.5rem;height:1.5rem;margin:0;flex:none;accent-color:#0b4f8a}',
  'input[type=text],input[type=date],input[type=number],select,textarea{display:block;width:100%;min-height:44px;margin:.35rem 0 0;padding:.5rem .6rem;font:inherit;color:#1b1b1b;background:#fff;border:1px solid #595959;border-radius:.25rem}',
  'textarea{min-height:8rem;resize:vertical}',
  'button{display:inline-block;min-height:44px;min-width:44px;margin:.5rem 0 0;padding:.6rem 1.25rem;font:inherit;font-weight:600;color:#fff;background:#0b4f8a;border:2px solid #0b4f8a;border-radius:.375rem;cursor:pointer}',
  'button:hover{background:#083b68;border-color:#083b68}',
  ':focus-visible{outline:3px solid #0b4f8a;outline-offset:2px}',
  '[aria-invalid=true]{border:2px solid #a4001d}',
  '.alert{margin:1rem 0;padding:.75rem 1rem;border-left:.375rem solid #a4001d;background:#fdf0f2;color:#1b1b1b}',
  '.alert a{color:#a4001d}',
  'dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1rem 0;padding:1rem;background:#f3f6f9;border-radius:.375rem}',
  'dl.facts dt{font-weight:700}',
  'dl.facts dd{margin:0}',
  'footer{max-width:42rem;margin:0 auto;padding:0 1rem 2rem;color:#595959;font-size:.875rem}',
  '@media (max-width:30rem){h1{font-size:1.35rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin:0 0 .5rem}button{width:100%}form{padding:.75rem}}',
].join('');

/**
 * A whole page: the `lang` of its words, one `<h1>` (the title), the `<main>` landmark with
 * the body, and the request id in the footer (what support asks for). `body` is HTML the
 * caller has escaped; the title is escaped here.
 */
export function layout(lang: string, title: string, body: string, requestId: string): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)} — Bashkë</title>`,
    `<style>${STYLESHEET}</style>`,
    '</head><body>',
    '<header class="bar"><p lang="sq">Bashkë</p></header>',
    `<main><h1>${escapeHtml(title)}</h1>`,
    body,
    '</main>',
    `<footer><p>Request ${escapeHtml(requestId)}</p></footer>`,
    '</body></html>',
  ].join('\n');
}
