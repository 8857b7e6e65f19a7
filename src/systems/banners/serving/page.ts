// The HTML the campaign route sends: rendered once per campaign and banner when the index is
// built, so a request only picks a ready Buffer.
import { clickUrl } from '../settings.js';

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
  /** Where a click leads: `{campaign_id}` and `{banner_id}` are replaced by the ids. */
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
  const href = escapeHtml(clickUrl(options.clickUrlTemplate, campaignId, bannerId));
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
