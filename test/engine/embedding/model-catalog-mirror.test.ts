import { describe, expect, it } from 'vitest';
import { catalogForEnvironment, modelCatalog } from '../../../src/engine/embedding/model-catalog.ts';

describe('downloading the catalog from a mirror (LOOKALIKE_MODEL_MIRROR)', () => {
  it('is the public catalog when no mirror is set', () => {
    expect(catalogForEnvironment({})).toBe(modelCatalog);
    expect(catalogForEnvironment({ LOOKALIKE_MODEL_MIRROR: '  ' })).toBe(modelCatalog);
  });

  it('fetches each file by its name from the mirror, with the same pinned hash and size', () => {
    for (const mirror of ['http://127.0.0.1:8080/models', 'http://127.0.0.1:8080/models/']) {
      const catalog = catalogForEnvironment({ LOOKALIKE_MODEL_MIRROR: mirror });
      const original = modelCatalog.find((e) => e.id === 'mobilenet-v2-imagenet');
      const mirrored = catalog.find((e) => e.id === 'mobilenet-v2-imagenet');
      if (original?.kind !== 'download' || mirrored?.kind !== 'download')
        throw new Error('no download entry');
      expect(mirrored.download).toEqual({
        ...original.download,
        url: 'http://127.0.0.1:8080/models/mobilenet_v2_1.0_224_quant.tflite',
      });
      // Entries that are not downloaded are untouched.
      expect(catalog.filter((e) => e.kind !== 'download')).toEqual(
        modelCatalog.filter((e) => e.kind !== 'download'),
      );
    }
  });

  it('refuses a mirror that is not an http(s) URL, saying which setting is wrong', () => {
    expect(() => catalogForEnvironment({ LOOKALIKE_MODEL_MIRROR: 'not a url' })).toThrow(
      /LOOKALIKE_MODEL_MIRROR is not a URL: not a url/,
    );
    expect(() => catalogForEnvironment({ LOOKALIKE_MODEL_MIRROR: 'file:///srv/models' })).toThrow(
      /must be an http or https URL/,
    );
  });
});
