import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/shared/model-api.ts';
import { makeTempDir } from '../fixtures/synthetic-photos.ts';
import { tinyOnnxModel } from '../fixtures/tiny-onnx-model.ts';
import { repoRoot, runCli } from './run-cli.ts';

const tmp = makeTempDir('lookalike-models-cli-');
const modelsDir = path.join(tmp.dir, 'models');
const where = ['--models-dir', modelsDir];
const tiny = tinyOnnxModel({ dim: 20 });
const onnxFile = path.join(tmp.dir, 'tiny.onnx');
const manifestFile = path.join(tmp.dir, 'tiny.json');

beforeAll(() => {
  writeFileSync(onnxFile, tiny.bytes);
  writeFileSync(manifestFile, JSON.stringify(tiny.description));
});
afterAll(() => tmp.cleanup());

function list(): ModelInfo[] {
  const r = runCli(['models', 'list', '--json', ...where, '--library', path.join(tmp.dir, 'none.db')]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ModelInfo[];
}

const lastLine = (s: string): string => s.trimEnd().split('\n').at(-1) ?? '';

describe('lookalike models', () => {
  it('lists the bundled model as installed and active, and the catalog’s others as available', () => {
    const models = list();
    expect(models[0]).toMatchObject({
      id: 'mobilenet-v2-nsfwjs-b13',
      status: 'installed',
      origin: 'bundled',
      active: true,
      dim: 576,
    });
    const recommended = models.find((m) => m.recommended)!;
    expect(recommended).toMatchObject({
      id: 'mobilenet-v2-imagenet',
      status: 'available',
      install: 'download',
      bytes: 3_610_798,
    });
    expect(recommended.license).toMatch(/Apache-2.0/);
    expect(models.find((m) => m.id === 'clip-vit-b32')).toMatchObject({ install: 'file', dim: 512 });
    expect(models.find((m) => m.id === 'dinov2-small')).toMatchObject({ install: 'file', dim: 384 });
    const text = runCli(['models', 'list', ...where, '--library', path.join(tmp.dir, 'none.db')]);
    expect(text.stdout).toMatch(/\* mobilenet-v2-nsfwjs-b13/);
    expect(text.stdout).toMatch(/mobilenet-v2-imagenet \(recommended\).*3\.6 MB download/);
  });

  it('adds an ONNX file with its manifest and prints the id last', () => {
    const r = runCli(['models', 'add', onnxFile, '--manifest', manifestFile, ...where]);
    expect(r.status, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe('tiny-model');
    expect(r.stderr).toMatch(/Installed Tiny test model: 20-d vectors/);
    expect(list().find((m) => m.id === 'tiny-model')).toMatchObject({
      status: 'installed',
      origin: 'file',
      dim: 20,
      active: false,
      bytes: tiny.bytes.length,
    });
    // Again: the same model, the same id.
    const again = runCli(['models', 'add', onnxFile, '--manifest', manifestFile, ...where]);
    expect(again.status, again.stderr).toBe(0);
    expect(lastLine(again.stdout)).toBe('tiny-model');
  });

  it('marks the model the library uses as active', () => {
    const library = path.join(tmp.dir, 'active.db');
    const use = runCli([
      'models',
      'use',
      'tiny-model',
      '--wait',
      '--library',
      library,
      '--device',
      'cpu',
      ...where,
    ]);
    expect(use.status, use.stderr).toBe(0);
    const r = runCli(['models', 'list', '--json', '--library', library, ...where]);
    expect(r.status, r.stderr).toBe(0);
    const active = (JSON.parse(r.stdout) as ModelInfo[]).filter((m) => m.active).map((m) => m.id);
    expect(active).toEqual(['tiny-model']);
  });

  it('still lists the models for a library whose model is not installed in this models folder', () => {
    const library = path.join(tmp.dir, 'active.db');
    const elsewhere = ['--models-dir', path.join(tmp.dir, 'other-models')];
    const r = runCli(['models', 'list', '--json', '--library', library, ...elsewhere]);
    expect(r.status, r.stderr).toBe(0);
    const models = JSON.parse(r.stdout) as ModelInfo[];
    expect(models[0]).toMatchObject({ id: 'mobilenet-v2-nsfwjs-b13', status: 'installed', active: false });
    expect(models.filter((m) => m.active)).toEqual([]);
  });

  it('refuses a model whose manifest promises another dimension, installing nothing', () => {
    const wrong = path.join(tmp.dir, 'wrong-dim.json');
    writeFileSync(
      wrong,
      JSON.stringify({ ...tiny.description, id: 'wrong-dim', output: { name: 'embedding', dim: 512 } }),
    );
    const r = runCli(['models', 'add', onnxFile, '--manifest', wrong, ...where]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/lookalike: The model gives 20 numbers per picture .*output\.dim is 512/);
    expect(r.stdout).toBe('');
    expect(readdirSync(modelsDir).filter((f) => !f.startsWith('.'))).not.toContain('wrong-dim');
  });

  it('says what is wrong with a manifest, a missing one, and an unknown id', () => {
    const bad = path.join(tmp.dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ...tiny.description,
        id: 'Bad Id',
        input: { ...tiny.description.input, std: [0, 1, 1] },
      }),
    );
    const invalid = runCli(['models', 'add', onnxFile, '--manifest', bad, ...where]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/is not valid:\n {2}id: id must start with a lower-case letter/);
    expect(invalid.stderr).toMatch(/input\.std: std cannot contain 0/);

    const notJson = path.join(tmp.dir, 'not.json');
    writeFileSync(notJson, '{ id: ');
    const garbled = runCli(['models', 'add', onnxFile, '--manifest', notJson, ...where]);
    expect(garbled.status).toBe(1);
    expect(garbled.stderr).toMatch(/is not valid JSON/);

    const none = runCli(['models', 'add', onnxFile, ...where]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/needs a manifest .*--manifest/);

    const unknown = runCli(['models', 'add', 'no-such-model', ...where]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(
      /"no-such-model" is neither a file nor a model in the catalog \(mobilenet-v2-imagenet/,
    );
  });

  it('adds a file as a catalog model with --as, holding it to the catalog’s manifest', () => {
    const r = runCli(['models', 'add', onnxFile, '--as', 'clip-vit-b32', ...where]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no input named "pixel_values" \(its inputs: pixels\)/);
  });

  const sharedTflite = path.resolve(repoRoot, '..', 'shared', 'models', 'mobilenet_v2_1.0_224_quant.tflite');
  it.skipIf(!existsSync(sharedTflite))('adds the ImageNet MobileNetV2 from its TensorFlow Lite file', () => {
    const r = runCli(['models', 'add', sharedTflite, ...where]);
    expect(r.status, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe('mobilenet-v2-imagenet');
    expect(list().find((m) => m.id === 'mobilenet-v2-imagenet')).toMatchObject({
      status: 'installed',
      origin: 'catalog',
      dim: 1280,
      recommended: true,
    });
  });
});
