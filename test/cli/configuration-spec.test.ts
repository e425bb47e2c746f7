import { describe, expect, it } from 'vitest';
import { distinctConfigurations, parseConfigurationSpec } from '../../src/cli/configuration-spec.ts';

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
    expect(() =>
      distinctConfigurations([parseConfigurationSpec('A'), parseConfigurationSpec('name=A,k=5')]),
    ).toThrow(/two configurations are called A/);
  });
});
