import { createHash } from 'node:crypto';
import { STYLESHEET } from '../http/look';

/**
 * The console's stylesheet: the house look of every page (shared/http/look.ts) and what the
 * console adds — the header with its menu, tables, tags, figures, charts. Served as a file
 * (`style-src 'self'`: no inline style), under a name that carries its hash, so it is cached
 * for a year and a changed sheet is a new name.
 *
 * Colours keep WCAG 2.2 AA contrast on their backgrounds; tags carry words, never colour alone.
 */
export const CONSOLE_CSS = [
  STYLESHEET,
  'main{max-width:64rem}',
  '.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.6rem 1rem}',
  '.bar p{margin:0;max-width:none}',
  '.bar a{color:#fff}',
  '.bar .who{font-weight:400;font-size:.9375rem;letter-spacing:0}',
  '.bar form{margin:0;padding:0;border:0}',
  '.bar button{margin:0;background:#fff;color:#0b4f8a;border-color:#fff;min-height:40px;padding:.35rem .9rem}',
  '.bar button:hover{background:#e8eef5;color:#083b68}',
  '.bar :focus-visible{outline-color:#fff}',
  '.spacer{flex:1}',
  '.skip{position:absolute;left:-9999px;top:0;background:#fff;color:#0b4f8a;padding:.5rem 1rem;z-index:2}',
  '.skip:focus{left:0}',
  'nav.menu{background:#e8eef5;border-bottom:1px solid #8a8a8a}',
  'nav.menu ul{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none;margin:0 auto;max-width:64rem;padding:.5rem 1rem}',
  'nav.menu a{display:inline-block;padding:.4rem 0;color:#0b4f8a;font-weight:600;text-decoration:none;min-height:44px;line-height:2}',
  'nav.menu a[aria-current=page]{text-decoration:underline;text-decoration-thickness:3px;text-underline-offset:.35rem}',
  'nav.menu a:hover{text-decoration:underline}',
  'a{color:#0b4f8a}',
  'a:visited{color:#4c2c92}',
  'footer{max-width:64rem}',
  '.lead{font-size:1.125rem;color:#1b1b1b}',
  '.muted{color:#595959}',
  '.hint{display:block;color:#595959;font-weight:400;font-size:.9375rem;margin:.15rem 0 0}',
  '.field{margin:1.25rem 0}',
  '.field-error{display:block;color:#a4001d;font-weight:700;margin:.25rem 0 0}',
  '.field.invalid{border-left:.3rem solid #a4001d;padding-left:.9rem}',
  '.summary{margin:1rem 0;padding:1rem;border:3px solid #a4001d}',
  '.summary h2{margin:0 0 .5rem;font-size:1.2rem}',
  '.summary ul{margin:0;padding-left:1.25rem}',
  '.summary a{color:#a4001d;font-weight:600}',
  '.notice{margin:1rem 0;padding:.75rem 1rem;border-left:.375rem solid #0b4f8a;background:#e8eef5}',
  '.table-wrap{overflow-x:auto;margin:1rem 0}',
  'table{border-collapse:collapse;width:100%;font-size:.9375rem}',
  'caption{text-align:left;font-weight:700;font-size:1.1rem;padding:.25rem 0 .5rem}',
  'th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid #b1b4b6}',
  'thead th{border-bottom:2px solid #1b1b1b}',
  'td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}',
  '.tag{display:inline-block;padding:.05rem .45rem;border-radius:.25rem;font-size:.875rem;font-weight:700;background:#e8eef5;color:#0b3a66;border:1px solid #0b4f8a}',
  '.tag.warn{background:#fff4e5;color:#6b3d00;border-color:#8a5300}',
  '.tag.bad{background:#fdf0f2;color:#a4001d;border-color:#a4001d}',
  '.tag.ok{background:#edf7ee;color:#135e1f;border-color:#1d7a2c}',
  '.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem;margin:1rem 0;padding:0;list-style:none}',
  '.cards li{padding:.75rem 1rem;border:1px solid #8a8a8a;border-radius:.375rem}',
  '.cards .n{display:block;font-size:1.75rem;font-weight:700;line-height:1.2}',
  'h2{font-size:1.3rem;margin:2rem 0 .75rem}',
  // A form's first heading sits at its top edge, not two lines below it.
  'form>h2:first-of-type{margin-top:.25rem}',
  'h3{font-size:1.1rem;margin:1.5rem 0 .5rem}',
  '.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}',
  '.inline{display:inline;margin:0;padding:0;border:0}',
  'button.secondary{background:#fff;color:#0b4f8a}',
  'button.secondary:hover{background:#e8eef5;color:#083b68}',
  'a.button{display:inline-block;min-height:44px;padding:.6rem 1.25rem;font-weight:600;color:#fff;background:#0b4f8a;border-radius:.375rem;text-decoration:none}',
  'a.button:hover{background:#083b68}',
  'ol.timeline{list-style:none;margin:1rem 0;padding:0;border-left:3px solid #0b4f8a}',
  'ol.timeline li{margin:0 0 .75rem;padding:0 0 0 1rem}',
  'ol.timeline time{display:block;color:#595959;font-size:.875rem}',
  'svg.chart{display:block;max-width:100%;height:auto;margin:.5rem 0}',
  'svg.chart text{font-size:12px;fill:#1b1b1b}',
  'svg.chart .a{fill:#0b4f8a}',
  'svg.chart .b{fill:#8a5300}',
  'ul.plain{list-style:none;padding:0}',
  'ul.plain li{margin:.4rem 0}',
  '@media (max-width:30rem){.bar{gap:.35rem .75rem}table{font-size:.875rem}th,td{padding:.4rem .35rem}}',
].join('');

const HASH = createHash('sha256').update(CONSOLE_CSS).digest('hex').slice(0, 12);

/** Where the page links its stylesheet: the name changes whenever the sheet does. */
export const CSS_PATH = `/console/assets/console.${HASH}.css`;

/** A small mark for the browser's tab (else every page asks for /favicon.ico, which is no page of ours). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b4f8a"/>' +
  '<text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="700" text-anchor="middle" fill="#fff">B</text></svg>';
export const FAVICON_PATH = '/console/assets/favicon.svg';
