import { describe, expect, it } from 'vitest';
import { cookieSigner } from '../../../platform/http/cookie-signer.js';
import { keptForRound, known, knownState, ROTATION_PREFIX } from './kept-cookies.js';
import { buildServingIndex } from './serving-index.js';
import { encodeVisitorState } from './visitor-state.js';

const signer = cookieSigner('a-test-secret-of-at-least-32-characters');
const PAGE = {
  clickUrlTemplate: 'https://ads.example/{campaign_id}/{banner_id}',
  imageWidth: 1,
  imageHeight: 1,
};
const ATTRIBUTES = '; Max-Age=60; HttpOnly; SameSite=Lax; Path=/campaigns/7';

/** Campaign 7 over banners 70–74, with the Set-Cookie of (round, banner) kept as the route keeps it. */
function campaignKeeping(round: number, bannerId: number) {
  const index = buildServingIndex(1, [{ campaignId: 7, quarter: 1, bannerIds: [70, 71, 72, 73, 74] }], PAGE);
  const campaign = index.campaigns.get(7)!;
  const signed = signer.sign(
    encodeVisitorState({ campaignId: 7, fingerprint: campaign.fingerprint, round, lastBannerId: bannerId }),
  );
  keptForRound(campaign, round)[campaign.universe.indexOf(bannerId)] =
    `${ROTATION_PREFIX}${signed}${ATTRIBUTES}`;
  return { campaign, signed };
}

describe('knownState', () => {
  it('takes the kept value itself, at any offset, and reads its state', () => {
    const { campaign, signed } = campaignKeeping(2 ** 3 + 2 ** 4, 73);
    known.round = known.lastBannerId = -1;
    expect(knownState(campaign, signed, 0)).toBe(true);
    expect(known).toEqual({ round: 24, lastBannerId: 73 });
    known.round = known.lastBannerId = -1;
    expect(knownState(campaign, `${ROTATION_PREFIX}${signed}`, ROTATION_PREFIX.length)).toBe(true);
    expect(known).toEqual({ round: 24, lastBannerId: 73 });
  });

  it('refuses a changed MAC, another state, another encoding, or anything after the value', () => {
    const { campaign, signed } = campaignKeeping(2 ** 3 + 2 ** 4, 73);
    const [id, fingerprint, round, last, mac] = signed.split('.') as [string, string, string, string, string];
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const refused = [
      `${signed.slice(0, -1)}${flip(signed.at(-1)!)}`, // the MAC's last character
      `${id}.${fingerprint}.${round}.${last}.${flip(mac[0]!)}${mac.slice(1)}`, // its first
      `${id}.${fingerprint}.${round}.${(74).toString(36)}.${mac}`, // another banner, same MAC
      `${id}.${fingerprint}.${(1).toString(36)}.${last}.${mac}`, // another round (not kept)
      `${id}.${fingerprint}.0${round}.${last}.${mac}`, // the same numbers, written otherwise
      `${id}.${fingerprint}.${round}.${last}.${mac}x`,
      `${signed}; Max-Age=60`,
      `${signed};`,
      `${id}.zz.${round}.${last}.${mac}`, // another universe
      `8.${fingerprint}.${round}.${last}.${mac}`, // another campaign
      signed.slice(0, -1),
      '',
    ];
    for (const value of refused) expect(knownState(campaign, value, 0), value).toBe(false);
  });

  it('knows nothing of a new index (a re-import), though the value is authentic', () => {
    const { signed } = campaignKeeping(2 ** 3, 73);
    const fresh = buildServingIndex(
      2,
      [{ campaignId: 7, quarter: 1, bannerIds: [70, 71, 72, 73, 74] }],
      PAGE,
    );
    expect(knownState(fresh.campaigns.get(7)!, signed, 0)).toBe(false);
  });
});
