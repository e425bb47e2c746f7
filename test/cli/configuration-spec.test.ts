import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectConfiguration, parseConfigurationSpec } from '../../src/cli/configuration-spec.ts';
import type { SearchConfiguration } from '../../src/shared/evaluation-api.ts';

/** Repeated --config options, read as `eval pool`, `eval run` and `bench eval` read them. */
function readConfigOptions(...specs: string[]): SearchConfiguration[] {
  const command = new Command()
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--config <spec>', 'a configuration', collectConfiguration, []);
  command.parse(
    specs.flatMap((s) => ['--config', s]),
    { from: 'user' },
  );
  return command.opts<{ config: SearchConfiguration[] }>().config;
}

describe('configurations on the command line', () => {
  it('reads key=value settings, with defaults for the rest', () => {
    expect(
      parseConfigurationSpec('name=B,model=mobilenet-v2-imagenet,ef=200,collapse=false,crop=ignore,k=50'),
    ).toEqual({
      name: 'B',
      model: 'mobilenet-v2-imagenet',
      ef: 200,
      collapse: false,
      crop: 'ignore',
      k: 50,
    });
    expect(parseConfigurationSpec('baseline')).toEqual({
      name: 'baseline',
      collapse: true,
      crop: 'use',
      k: 20,
    });
  });

  it('says what is wrong with a bad one', () => {
    expect(() => parseConfigurationSpec('ef=10')).toThrow(/name/);
    expect(() => parseConfigurationSpec('name=A,ef=lots')).toThrow(/ef/);
    expect(() => parseConfigurationSpec('name=A,collapse=maybe')).toThrow(/true or false/);
    expect(() => parseConfigurationSpec('name=A,speed=11')).toThrow(/unknown setting "speed"/);
    expect(() => parseConfigurationSpec('name=A,crop=half')).toThrow(/crop/);
    expect(() => parseConfigurationSpec('name=my run')).toThrow(/no spaces/);
    expect(() => parseConfigurationSpec('name=A,model=Not A Model')).toThrow(/model/);
    expect(readConfigOptions('A', 'name=B,k=5').map((c) => [c.name, c.k])).toEqual([
      ['A', 20],
      ['B', 5],
    ]);
    // Refused as a bad option value (usage error), not left to fail the command later.
    let refused: unknown;
    try {
      readConfigOptions('A', 'name=A,k=5');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(CommanderError);
    expect(refused).toMatchObject({ code: 'commander.invalidArgument' });
    expect((refused as Error).message).toMatch(/two configurations are called A/);
  });
});
