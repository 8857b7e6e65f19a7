import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { bannersSettings, clickUrl, DEFAULT_CLICK_URL, parseClickUrlTemplate } from './settings.js';
import { bannersSystem } from './system.js';

const config = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/srv/q', ...env }, [bannersSystem]);

describe('banners settings', () => {
  it('defaults the images under DATA_DIR and the click-through to the campaign page', () => {
    const s = bannersSettings(config({}));
    expect(s.imagesDir).toBe('/srv/q/banners/images');
    expect(s.clickUrlTemplate).toBe(DEFAULT_CLICK_URL);
    expect(clickUrl(s.clickUrlTemplate, 7, 123)).toBe('/campaigns/7');
    expect(s.uploadMaxBytes).toBe(256 * 2 ** 20);
    expect(s.servedFlushMs).toBe(2000);
  });

  it('fills both placeholders of a configured click-through URL, every time they occur', () => {
    const s = bannersSettings(
      config({ BANNER_CLICK_URL: 'https://ads.example.com/c/{campaign_id}?b={banner_id}&again={banner_id}' }),
    );
    expect(clickUrl(s.clickUrlTemplate, 7, 123)).toBe('https://ads.example.com/c/7?b=123&again=123');
  });

  it('stops the start on a click-through URL that is not http(s) or a path, or has an unknown placeholder', () => {
    expect(() => parseClickUrlTemplate('javascript:alert(1)')).toThrow(ConfigError);
    expect(() => parseClickUrlTemplate('ads.example.com/x')).toThrow(/must be an http\(s\) URL or a path/);
    expect(() => parseClickUrlTemplate('/c/{campaign}')).toThrow(/unknown placeholder \{campaign\}/);
    expect(() => parseClickUrlTemplate('/c/{banner_id')).toThrow(/unmatched/);
    expect(() => config({ BANNER_CLICK_URL: 'ftp://x/{banner_id}' })).toThrow(/^BANNER_CLICK_URL must be/);
    expect(() => config({ BANNER_UPLOAD_MAX_MB: '0' })).toThrow(/^BANNER_UPLOAD_MAX_MB/);
  });
});
