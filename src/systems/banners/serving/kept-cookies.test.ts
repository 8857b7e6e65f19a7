import { describe, expect, it } from 'vitest';
import { cookieSigner } from '../../../platform/http/cookie-signer.js';
import { keepSetCookie, known, knownState, ROTATION_PREFIX } from './kept-cookies.js';
import { buildServingIndex } from './serving-index.js';
import { encodeVisitorState } from './visitor-state.js';

const signer = cookieSigner('a-test-secret-of-at-least-32-characters');
const PAGE = {
  clickUrlTemplate: 'https://ads.example/{campaign_id}/{banner_id}',
  imageWidth: 1,
  imageHeight: 1,
};
const ATTRIBUTES = '; Max-Age=60; HttpOnly; SameSite=Lax; Path=/campaigns/7';

const COLLECTIONS = [
  { campaignId: 7, quarter: 1 as const, bannerIds: [70, 71, 72, 73, 74] },
  { campaignId: 7, quarter: 2 as const, bannerIds: [75, 76] },
];

/**
 * Campaign 7 serving its quarter-1 collection of banners 70–74 (its universe: 70–76), with the
 * Set-Cookie of (round, banner) kept as the route keeps it.
 */
function campaignKeeping(round: number, bannerId: number) {
  const index = buildServingIndex(1, COLLECTIONS, PAGE);
  const campaign = index.campaigns.get(7)!;
  const served = campaign.quarters[0]!;
  const signed = signer.sign(
    encodeVisitorState({ campaignId: 7, fingerprint: campaign.fingerprint, round, lastBannerId: bannerId }),
  );
  const setCookie = `${ROTATION_PREFIX}${signed}${ATTRIBUTES}`;
  keepSetCookie(campaign, served, round, bannerId, served.bannerIds.indexOf(bannerId), setCookie);
  return { campaign, served, signed };
}

// Banners 73 and 74 seen (within the collection), and 73 and 75 (75 is not in it).
describe.each([
  ['within the collection', 2 ** 3 + 2 ** 4],
  ['beyond the collection', 2 ** 3 + 2 ** 5],
])('knownState, a round %s', (_, round) => {
  it('takes the kept value itself, at any offset, and reads its state', () => {
    const { campaign, served, signed } = campaignKeeping(round, 73);
    known.round = known.lastBannerId = -1;
    expect(knownState(campaign, served, signed, 0)).toBe(true);
    expect(known).toEqual({ round, lastBannerId: 73, index: 3 });
    known.round = known.lastBannerId = -1;
    expect(knownState(campaign, served, `${ROTATION_PREFIX}${signed}`, ROTATION_PREFIX.length)).toBe(true);
    expect(known).toEqual({ round, lastBannerId: 73, index: 3 });
  });

  it('refuses a changed MAC, another state, another encoding, or anything after the value', () => {
    const { campaign, served, signed } = campaignKeeping(round, 73);
    const [id, fingerprint, r, last, mac] = signed.split('.') as [string, string, string, string, string];
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const refused = [
      `${signed.slice(0, -1)}${flip(signed.at(-1)!)}`, // the MAC's last character
      `${id}.${fingerprint}.${r}.${last}.${flip(mac[0]!)}${mac.slice(1)}`, // its first
      `${id}.${fingerprint}.${r}.${(74).toString(36)}.${mac}`, // another banner, same MAC
      `${id}.${fingerprint}.${(1).toString(36)}.${last}.${mac}`, // another round (not kept)
      `${id}.${fingerprint}.0${r}.${last}.${mac}`, // the same numbers, written otherwise
      `${id}.${fingerprint}.${r}.${last}.${mac}x`,
      `${signed}; Max-Age=60`,
      `${signed};`,
      `${id}.zz.${r}.${last}.${mac}`, // another universe
      `8.${fingerprint}.${r}.${last}.${mac}`, // another campaign
      signed.slice(0, -1),
      '',
    ];
    for (const value of refused) expect(knownState(campaign, served, value, 0), value).toBe(false);
  });

  it('knows nothing of a new index (a re-import), though the value is authentic', () => {
    const { signed } = campaignKeeping(round, 73);
    const fresh = buildServingIndex(2, COLLECTIONS, PAGE).campaigns.get(7)!;
    expect(knownState(fresh, fresh.quarters[0]!, signed, 0)).toBe(false);
  });
});
