import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_ID } from '../../../src/engine/embedding/model-catalog.ts';
import { sha256Hex } from '../../../src/engine/embedding/file-hash.ts';
import { type InstallRefusal, ModelInstallError } from '../../../src/engine/embedding/model-install.ts';
import { readModelManifest } from '../../../src/engine/embedding/model-manifest.ts';
import { BundledModelError, ModelRegistry } from '../../../src/engine/embedding/model-registry.ts';
import { makeTempDir } from '../../fixtures/synthetic-photos.ts';
import { tinyOnnxModel } from '../../fixtures/tiny-onnx-model.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const bundled = readModelManifest(path.join(repoRoot, 'resources', 'models', `${BUNDLED_MODEL_ID}.json`));
const tmp = makeTempDir('lookalike-models-');
afterAll(() => tmp.cleanup());

let n = 0;
function fresh(): { registry: ModelRegistry; dir: string } {
  const dir = path.join(tmp.dir, `models-${n++}`);
  return { registry: new ModelRegistry({ dir, bundled, now: () => 1_700_000_000_000 }), dir };
}

function writeModel(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, bytes);
  return file;
}

async function refusal(p: Promise<unknown>): Promise<{ reason: InstallRefusal; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelInstallError);
  return err as ModelInstallError;
}

/** Only the finished models (and nothing half-written) are in the models folder. */
function folderContents(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('the model registry', () => {
  it('always lists the bundled model, even with no models folder', () => {
    const { registry } = fresh();
    const list = registry.list();
    expect(list.map((m) => m.manifest.id)).toEqual([BUNDLED_MODEL_ID]);
    expect(list[0]!.origin).toBe('bundled');
    expect(list[0]!.bytes).toBeGreaterThan(1_000_000);
    expect(registry.get(BUNDLED_MODEL_ID)?.modelPath).toBe(bundled.modelPath);
  });

  it('installs an ONNX file with its manifest: loaded, run once, and listed with size and origin', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel({ dim: 24 });
    const phases: string[] = [];
    const model = await registry.install(
      { file: writeModel('tiny.onnx', bytes), description },
      { onProgress: (p) => phases.push(p.phase) },
    );
    expect(model.manifest.id).toBe('tiny-model');
    expect(model.manifest.sha256).toBe(sha256Hex(bytes));
    expect(model.manifest.output.dim).toBe(24);
    expect(model.bytes).toBe(bytes.length);
    expect(model.origin).toBe('file');
    expect(model.installedAt).toBe(1_700_000_000_000);
    expect(phases).toEqual(['verifying', 'checking', 'installing', 'done']);
    expect(folderContents(dir)).toEqual(['tiny-model']);
    expect(readdirSync(path.join(dir, 'tiny-model')).sort()).toEqual(['manifest.json', 'model.onnx']);
    // What is on disk reads back as the same model, in a new registry (a restart).
    const again = new ModelRegistry({ dir, bundled });
    expect(again.list().map((m) => m.manifest.id)).toEqual([BUNDLED_MODEL_ID, 'tiny-model']);
    expect(again.get('tiny-model')?.manifest).toEqual(model.manifest);
    expect(readFileSync(again.get('tiny-model')!.modelPath)).toEqual(Buffer.from(bytes));
  });

  it('installing the same file again returns the installed model', async () => {
    const { registry } = fresh();
    const { bytes, description } = tinyOnnxModel();
    const file = writeModel('same.onnx', bytes);
    const first = await registry.install({ file, description });
    const second = await registry.install({ file, description });
    expect(second.manifest).toEqual(first.manifest);
  });

  it('refuses a different file under an id that is taken, and the bundled id', async () => {
    const { registry, dir } = fresh();
    const a = tinyOnnxModel({ seed: 1 });
    const b = tinyOnnxModel({ seed: 2 });
    await registry.install({ file: writeModel('a.onnx', a.bytes), description: a.description });
    const r = await refusal(
      registry.install({ file: writeModel('b.onnx', b.bytes), description: b.description }),
    );
    expect(r.reason).toBe('id-taken');
    expect(r.message).toMatch(/different model is already installed as "tiny-model"/);
    const bundledClash = await refusal(
      registry.install({
        file: writeModel('b2.onnx', b.bytes),
        description: { ...b.description, id: BUNDLED_MODEL_ID },
      }),
    );
    expect(bundledClash.reason).toBe('id-taken');
    expect(folderContents(dir)).toEqual(['tiny-model']);
    expect(readFileSync(registry.get('tiny-model')!.modelPath)).toEqual(Buffer.from(a.bytes));
  });

  it('refuses a truncated file: by its expected size, or because it does not load', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel();
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    const known = await refusal(
      registry.install({
        file: writeModel('cut1.onnx', cut),
        description: { ...description, bytes: bytes.length },
      }),
    );
    expect(known.reason).toBe('truncated');
    expect(known.message).toContain(`${cut.length} bytes of the ${bytes.length} expected`);
    const unknown = await refusal(registry.install({ file: writeModel('cut2.onnx', cut), description }));
    expect(unknown.reason).toBe('unloadable');
    expect(unknown.message).toMatch(/truncated, damaged or another format/);
    const empty = await refusal(
      registry.install({ file: writeModel('empty.onnx', new Uint8Array()), description }),
    );
    expect(empty.reason).toBe('truncated');
    expect(folderContents(dir)).toEqual([]);
  });

  it('refuses a file whose sha256 differs from the manifest', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel();
    const r = await refusal(
      registry.install({
        file: writeModel('hash.onnx', bytes),
        description: { ...description, sha256: 'b'.repeat(64) },
      }),
    );
    expect(r.reason).toBe('wrong-hash');
    expect(r.message).toContain(sha256Hex(bytes));
    expect(folderContents(dir)).toEqual([]);
  });

  it('refuses a model whose output has another dimension than the manifest says', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel({ dim: 16 });
    const r = await refusal(
      registry.install({
        file: writeModel('dim.onnx', bytes),
        description: { ...description, output: { ...description.output, dim: 512 } },
      }),
    );
    expect(r.reason).toBe('wrong-dimension');
    expect(r.message).toMatch(/gives 16 numbers per picture .* output.dim is 512/);
    expect(folderContents(dir)).toEqual([]);
  });

  it('refuses what is not a model, wrong tensor names, a wrong input size, and ONNX without a manifest', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel({ size: 32 });
    const junk = await refusal(
      registry.install({
        file: writeModel('junk.onnx', new TextEncoder().encode('not a model at all')),
        description,
      }),
    );
    expect(junk.reason).toBe('unloadable');
    const file = writeModel('names.onnx', bytes);
    const input = await refusal(
      registry.install({
        file,
        description: { ...description, input: { ...description.input, name: 'images' } },
      }),
    );
    expect(input.message).toMatch(/no input named "images" \(its inputs: pixels\)/);
    const output = await refusal(
      registry.install({
        file,
        description: { ...description, output: { ...description.output, name: 'feats' } },
      }),
    );
    expect(output.message).toMatch(/no output named "feats" \(its outputs: embedding\)/);
    const layout = await refusal(
      registry.install({
        file,
        description: { ...description, input: { ...description.input, layout: 'nhwc' } },
      }),
    );
    expect(layout.reason).toBe('unloadable');
    expect(layout.message).toMatch(/does not run on a 32×32 float32 NHWC picture/);
    const none = await refusal(registry.install({ file }));
    expect(none.reason).toBe('needs-manifest');
    expect(none.message).toMatch(/--manifest/);
    expect(folderContents(dir)).toEqual([]);
  });

  it('refuses a model that takes one picture at a time', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel({ fixedBatch: true });
    const r = await refusal(registry.install({ file: writeModel('batch1.onnx', bytes), description }));
    expect(r.reason).toBe('unloadable');
    expect(r.message).toMatch(/only one picture at a time .*dynamic batch axis/);
    expect(folderContents(dir)).toEqual([]);
  });

  it('measures the speed on this computer when installing', async () => {
    const { registry } = fresh();
    const { bytes, description } = tinyOnnxModel({ seed: 11 });
    const model = await registry.install({ file: writeModel('speed.onnx', bytes), description });
    expect(model.manifest.speed).toMatchObject({ provider: 'cpu', batch: 8 });
    expect(model.manifest.speed!.imagesPerSecond).toBeGreaterThan(0);
  });

  it('says so when a file is where the models folder should be', async () => {
    const blocker = writeModel('not-a-folder', new Uint8Array([1]));
    const registry = new ModelRegistry({ dir: blocker, bundled });
    const { bytes, description } = tinyOnnxModel();
    const r = await refusal(registry.install({ file: writeModel('blocked.onnx', bytes), description }));
    expect(r.reason).toBe('unwritable');
    expect(r.message).toMatch(/A file is in the way of the models folder .*not-a-folder/);
  });

  // Permissions do not hold back root, so this runs for ordinary users only.
  it.skipIf(process.getuid?.() === 0)('says so when the models folder cannot be written', async () => {
    const { registry, dir } = fresh();
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o500);
    try {
      const { bytes, description } = tinyOnnxModel();
      const r = await refusal(registry.install({ file: writeModel('ro.onnx', bytes), description }));
      expect(r.reason).toBe('unwritable');
      expect(r.message).toContain(dir);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('refuses a file that cannot be read', async () => {
    const { registry } = fresh();
    const r = await refusal(
      registry.install({
        file: path.join(tmp.dir, 'nowhere.onnx'),
        description: tinyOnnxModel().description,
      }),
    );
    expect(r.reason).toBe('unreadable');
  });

  it('removes an installed model, never the bundled one; a killed install leaves nothing that lists', async () => {
    const { registry, dir } = fresh();
    const { bytes, description } = tinyOnnxModel();
    await registry.install({ file: writeModel('rm.onnx', bytes), description });
    expect(await registry.remove('tiny-model')).toBe(true);
    expect(await registry.remove('tiny-model')).toBe(false);
    await expect(registry.remove(BUNDLED_MODEL_ID)).rejects.toBeInstanceOf(BundledModelError);
    // What a process killed mid-install or mid-removal leaves behind.
    mkdirSync(path.join(dir, '.install-abc123'), { recursive: true });
    writeFileSync(path.join(dir, '.install-abc123', 'model.onnx'), bytes.subarray(0, 10));
    mkdirSync(path.join(dir, '.removing-old'), { recursive: true });
    mkdirSync(path.join(dir, '.install-running'), { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(path.join(dir, '.install-abc123'), twoHoursAgo, twoHoursAgo);
    utimesSync(path.join(dir, '.removing-old'), twoHoursAgo, twoHoursAgo);
    expect(registry.list().map((m) => m.manifest.id)).toEqual([BUNDLED_MODEL_ID]);
    // An install another process is running right now is left alone.
    await new ModelRegistry({ dir, bundled }).cleanUp();
    expect(folderContents(dir)).toEqual(['.install-running']);
  });

  it('skips a damaged install and says why', () => {
    const { registry, dir } = fresh();
    mkdirSync(path.join(dir, 'hand-edited'), { recursive: true });
    writeFileSync(path.join(dir, 'hand-edited', 'manifest.json'), '{"id": "hand-edited", "input": {}}');
    expect(registry.list().map((m) => m.manifest.id)).toEqual([BUNDLED_MODEL_ID]);
    const [broken] = registry.brokenInstalls();
    expect(broken?.folder).toBe(path.join(dir, 'hand-edited'));
    expect(broken?.message).toMatch(/not valid:[\s\S]*input\.name/);
  });
});

const sharedTflite = path.resolve(repoRoot, '..', 'shared', 'models', 'mobilenet_v2_1.0_224_quant.tflite');

describe.skipIf(!existsSync(sharedTflite))('a TensorFlow Lite model from a file', () => {
  it('is recognised as the catalog model by its hash, converted, checked and installed', async () => {
    const { registry, dir } = fresh();
    const phases: string[] = [];
    const model = await registry.install({ file: sharedTflite }, { onProgress: (p) => phases.push(p.phase) });
    expect(model.manifest.id).toBe('mobilenet-v2-imagenet');
    expect(model.origin).toBe('catalog');
    expect(model.manifest.output.dim).toBe(1280);
    expect(model.manifest.license).toMatch(/Apache-2.0/);
    // Fed and post-processed as measured best for this network (BENCHMARKS.md).
    expect(model.manifest.input.resize).toBe('center-crop');
    expect(model.manifest.postprocess).toEqual(['l2']);
    expect(model.manifest.sourceFile).toEqual({
      sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
      bytes: 3_610_798,
    });
    expect(phases).toEqual(['verifying', 'converting', 'checking', 'installing', 'done']);
    expect(folderContents(dir)).toEqual(['mobilenet-v2-imagenet']);
  });

  it('refuses a truncated copy with the reason', async () => {
    const { registry, dir } = fresh();
    const bytes = readFileSync(sharedTflite);
    const r = await refusal(
      registry.install({ file: writeModel('cut.tflite', bytes.subarray(0, 1_000_000)) }),
    );
    expect(r.reason).toBe('truncated');
    expect(r.message).toMatch(/cut\.tflite cannot be converted/);
    expect(folderContents(dir)).toEqual([]);
  });
});
