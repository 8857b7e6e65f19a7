// The HTML the campaign route sends: rendered once per campaign and banner when the index is
// built, so a request only picks a ready Buffer.

/** Where a banner click goes, for deployments that set none: placeholders {campaign_id} and {banner_id}. */
export const DEFAULT_CLICK_URL_TEMPLATE = 'https://example.com/?campaign={campaign_id}&banner={banner_id}';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['campaign_id', 'banner_id']);

/** What is wrong with a click-through URL template, or undefined when it is usable. */
export function clickUrlTemplateProblem(template: string): string | undefined {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!KNOWN_PLACEHOLDERS.has(name!)) {
      return `unknown placeholder {${name}} (use {campaign_id} and {banner_id})`;
    }
  }
  const sample = fillClickUrl(template, 1, 1);
  if (sample.startsWith('/') && !sample.startsWith('//')) return undefined;
  try {
    const url = new URL(sample);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // reported below
  }
  return 'must be an http(s) URL or a path starting with /';
}

function fillClickUrl(template: string, campaignId: number, bannerId: number): string {
  return template.replace(PLACEHOLDER, (_, name: string) =>
    name === 'campaign_id' ? String(campaignId) : String(bannerId),
  );
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface PageOptions {
  clickUrlTemplate: string;
  /** The images' size in pixels (the real banners are 300×250). */
  imageWidth: number;
  imageHeight: number;
}

const HEAD =
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width,initial-scale=1">';
const STYLE = '<style>body{margin:0}a,img{display:block;border:0}</style>';

/** The campaign page showing one banner. */
export function renderBannerPage(options: PageOptions, campaignId: number, bannerId: number): string {
  const href = escapeHtml(fillClickUrl(options.clickUrlTemplate, campaignId, bannerId));
  return (
    `${HEAD}<title>Campaign ${campaignId}</title>${STYLE}</head><body>` +
    `<a href="${href}" target="_blank" rel="noopener">` +
    `<img src="/banners/image_${bannerId}.png" alt="Banner ${bannerId} of campaign ${campaignId}" ` +
    `width="${options.imageWidth}" height="${options.imageHeight}"></a></body></html>`
  );
}

/** The page for a campaign that does not exist (or has no collection this quarter). */
export const NOT_FOUND_PAGE =
  `${HEAD}<title>Campaign not found</title></head><body>` +
  '<h1>Campaign not found</h1><p>There is no campaign with this id, or it has no banners right now.</p>' +
  '</body></html>';
