import { describe, expect, it } from 'vitest';
import { ConfigError, intVar, loadConfig, type Env } from './config.js';
import { defineSystem, systemSettings } from './platform/system.js';

const probe = defineSystem({
  name: 'probe',
  title: 'Probe',
  summary: 'a system made for these tests',
  href: '/probe',
  settings: (env: Env, platform) => ({
    depth: intVar(env, 'PROBE_DEPTH', 3, 1, 10),
    dir: `${platform.dataDir}/probe`,
  }),
  load: () => Promise.reject(new Error('not loaded in config tests')),
});
const plain = defineSystem({
  name: 'plain',
  title: 'Plain',
  summary: 'a system without settings',
  href: '/plain',
  load: () => Promise.reject(new Error('not loaded in config tests')),
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it("parses each system's own settings beside the platform's, built on the platform's values, all frozen", () => {
    const config = loadConfig({ DATA_DIR: '/srv/q', PROBE_DEPTH: '7' }, [probe, plain]);
    expect(systemSettings(config, 'probe')).toEqual({ depth: 7, dir: '/srv/q/probe' });
    expect(systemSettings(config, 'plain')).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.settings)).toBe(true);
    expect(Object.isFrozen(config.settings.probe)).toBe(true);
    expect(config.systems).toEqual(['probe', 'plain']);
  });

  it("names a system's bad variable in the same ConfigError as a platform variable", () => {
    const err = configError(() => loadConfig({ PROBE_DEPTH: '11' }, [probe]));
    expect(err.variable).toBe('PROBE_DEPTH');
    expect(err.message).toBe('PROBE_DEPTH must be a whole number from 1 to 10, got "11"');
    expect(configError(() => loadConfig({ PORT: 'eighty' }, [probe])).message).toBe(
      'PORT must be a whole number from 0 to 65535, got "eighty"',
    );
  });

  it('stops on SYSTEMS naming a system this build does not have, listing the built ones', () => {
    const err = configError(() => loadConfig({ SYSTEMS: 'probe,banners' }, [probe, plain]));
    expect(err.variable).toBe('SYSTEMS');
    expect(err.message).toBe(
      'SYSTEMS names "banners", which is not a system of this build (built: probe, plain)',
    );
  });

  it('enables the systems SYSTEMS names, in build order, and still parses the settings of the others', () => {
    const config = loadConfig({ SYSTEMS: ' plain , probe,plain' }, [probe, plain]);
    expect(config.systems).toEqual(['probe', 'plain']);
    expect(loadConfig({ SYSTEMS: 'plain' }, [probe, plain]).systems).toEqual(['plain']);
    expect(() => loadConfig({ SYSTEMS: 'plain', PROBE_DEPTH: '0' }, [probe, plain])).toThrow(ConfigError);
  });

  it('refuses to hand out the settings of a system the config was parsed without', () => {
    const config = loadConfig({}, [plain]);
    expect(() => systemSettings(config, 'probe')).toThrow(/without the probe system/);
  });

  it('reads ARTIFACT_STORE=s3://bucket/prefix with S3_ENDPOINT and the AWS region, and keeps the directory store otherwise', () => {
    expect(loadConfig({}, []).artifactS3).toBeUndefined();
    expect(loadConfig({ ARTIFACT_STORE: 'dir' }, []).artifactS3).toBeUndefined();
    expect(
      loadConfig(
        {
          ARTIFACT_STORE: 's3://quintet-results/prod/eu/',
          S3_ENDPOINT: 'http://127.0.0.1:9000',
          AWS_REGION: 'eu-west-1',
        },
        [],
      ).artifactS3,
    ).toEqual({
      bucket: 'quintet-results',
      prefix: 'prod/eu',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
    });
    expect(loadConfig({ ARTIFACT_STORE: 's3://bucket' }, []).artifactS3).toMatchObject({
      prefix: '',
      region: 'us-east-1',
    });
    for (const bad of ['/var/artifacts', 's3://UPPER/x', 's3://b/../x', 's3://ok-bucket/a//b']) {
      expect(configError(() => loadConfig({ ARTIFACT_STORE: bad }, [])).variable).toBe('ARTIFACT_STORE');
    }
    expect(
      configError(() => loadConfig({ ARTIFACT_STORE: 's3://bucket/p', S3_ENDPOINT: 'ftp://x' }, [])).variable,
    ).toBe('S3_ENDPOINT');
  });

  it('gives a stopping process 5 s to finish its running jobs unless JOB_STOP_GRACE_SECONDS says 0 to 8', () => {
    expect(loadConfig({}, []).jobStopGraceSeconds).toBe(5);
    expect(loadConfig({ JOB_STOP_GRACE_SECONDS: '0' }, []).jobStopGraceSeconds).toBe(0);
    expect(configError(() => loadConfig({ JOB_STOP_GRACE_SECONDS: '9' }, [])).message).toBe(
      'JOB_STOP_GRACE_SECONDS must be a whole number from 0 to 8, got "9"',
    );
  });
});
