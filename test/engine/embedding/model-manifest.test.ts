import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_ID, modelCatalog } from '../../../src/engine/embedding/model-catalog.ts';
import {
  ManifestError,
  parseModelDescription,
  parseModelManifest,
  readModelManifest,
} from '../../../src/engine/embedding/model-manifest.ts';
import { makeTempDir } from '../../fixtures/synthetic-photos.ts';
import { tinyOnnxModel } from '../../fixtures/tiny-onnx-model.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const bundledPath = path.join(repoRoot, 'resources', 'models', `${BUNDLED_MODEL_ID}.json`);
const tmp = makeTempDir('lookalike-manifest-');
afterAll(() => tmp.cleanup());

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as Error).message;
  }
  throw new Error('expected the manifest to be refused');
}

const valid = { ...tinyOnnxModel().description, file: 'model.onnx', sha256: 'a'.repeat(64) };

describe('model manifests', () => {
  it('the bundled manifest is valid and describes its file', () => {
    const { manifest, modelPath } = readModelManifest(bundledPath);
    expect(manifest.id).toBe(BUNDLED_MODEL_ID);
    expect(manifest.license).toMatch(/MIT/);
    expect(manifest.notes).toBeTruthy();
    if (existsSync(modelPath)) expect(statSync(modelPath).size).toBe(manifest.bytes);
  });

  it('lists every problem with where it is and what is expected', () => {
    const message = problems(() =>
      parseModelManifest(
        {
          ...valid,
          id: 'My Model',
          input: { ...valid.input, layout: 'chw', size: [224], std: [1, 0, 1] },
          output: { name: '', dim: 0 },
          postprocess: ['l2', 'softmax'],
        },
        'my.json',
      ),
    );
    expect(message).toMatch(/^The model manifest my\.json is not valid:/);
    expect(message).toMatch(/\n {2}id: id must start with a lower-case letter/);
    expect(message).toMatch(/\n {2}input\.layout: layout must be "nchw" or "nhwc"/);
    expect(message).toMatch(/\n {2}input\.size: size must be \[width, height\]/);
    expect(message).toMatch(/\n {2}input\.std: std cannot contain 0/);
    expect(message).toMatch(/\n {2}output\.name: the output tensor needs a name/);
    expect(message).toMatch(/\n {2}output\.dim: /);
    expect(message).toMatch(/\n {2}postprocess\.1: postprocess steps are "signed-sqrt" or "l2"/);
  });

  it('keeps the model file inside its folder', () => {
    for (const file of ['../elsewhere.onnx', 'sub/model.onnx', '..']) {
      expect(problems(() => parseModelManifest({ ...valid, file }, 'm.json'))).toMatch(
        /file must be a plain file name/,
      );
    }
  });

  it('a description needs no file or hash, but a hash given must be one', () => {
    const description: Record<string, unknown> = { ...valid };
    delete description.file;
    delete description.sha256;
    expect(parseModelDescription(description, 'd.json').id).toBe('tiny-model');
    expect(problems(() => parseModelDescription({ ...description, sha256: 'abc' }, 'd.json'))).toMatch(
      /sha256: must be 64 lower-case hexadecimal digits/,
    );
  });

  it('says which file cannot be read or is not JSON', () => {
    expect(problems(() => readModelManifest(path.join(tmp.dir, 'missing.json')))).toMatch(
      /Cannot read the model manifest .*missing\.json/,
    );
    const broken = path.join(tmp.dir, 'broken.json');
    writeFileSync(broken, '{"id": ');
    expect(problems(() => readModelManifest(broken))).toMatch(/broken\.json is not valid JSON/);
  });
});

describe('the model catalog', () => {
  it('has unique ids, one recommended model, and pinned downloads', () => {
    const ids = modelCatalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(modelCatalog.filter((e) => e.recommended).map((e) => e.id)).toEqual(['mobilenet-v2-imagenet']);
    expect(ids).toContain(BUNDLED_MODEL_ID);
    for (const e of modelCatalog) {
      expect(e.license, e.id).toBeTruthy();
      expect(e.notes, e.id).toBeTruthy();
      if (e.kind === 'download') {
        expect(e.download.url).toMatch(/^https:\/\/.*\/[0-9a-f]{40}\//); // pinned to a commit
        expect(e.download.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
      if (e.kind === 'file') expect(parseModelDescription(e.manifest, e.id).id).toBe(e.id);
    }
  });

  it('the documented CLIP and DINOv2 manifests are the catalog’s', () => {
    const docs = readFileSync(path.join(repoRoot, 'docs', 'models.md'), 'utf8');
    const blocks = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (m) => JSON.parse(m[1]!) as { id: string },
    );
    for (const e of modelCatalog) {
      if (e.kind !== 'file') continue;
      const documented = blocks.find((b) => b.id === e.id);
      expect(documented, e.id).toBeDefined();
      expect(parseModelDescription(documented, `docs/models.md (${e.id})`)).toEqual(e.manifest);
      expect(docs).toContain(`](#${e.docs.split('#')[1]})`);
    }
  });

  const shared = path.resolve(repoRoot, '..', 'shared', 'models', 'mobilenet_v2_1.0_224_quant.tflite');
  it.skipIf(!existsSync(shared))('pins the size and hash of the ImageNet MobileNetV2 file', () => {
    const entry = modelCatalog.find((e) => e.id === 'mobilenet-v2-imagenet');
    if (entry?.kind !== 'download') throw new Error('the recommended model is a download');
    const bytes = readFileSync(shared);
    expect(entry.download.bytes).toBe(bytes.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.download.sha256);
  });
});
