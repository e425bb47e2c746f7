import { InvalidArgumentError } from 'commander';
import { describeSchemaError } from '../shared/api-adapter.ts';
import { type SearchConfiguration, searchConfigurationSchema } from '../shared/evaluation-api.ts';

/**
 * A search configuration on the command line: `name=B,model=my-model,ef=200,collapse=false,rerank=false,crop=ignore,k=50`
 * (every key but name optional), or just a name for the default settings.
 */
export function parseConfigurationSpec(text: string): SearchConfiguration {
  const fields: Record<string, unknown> = {};
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 1 && !parts[0]!.includes('=')) fields['name'] = parts[0];
  else {
    for (const part of parts) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new InvalidArgumentError(`"${part}" is not key=value (in "${text}")`);
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      switch (key) {
        case 'name':
        case 'model':
        case 'crop':
          fields[key] = value;
          break;
        case 'ef':
        case 'k':
          fields[key] = Number(value);
          break;
        case 'collapse':
        case 'rerank':
          if (value !== 'true' && value !== 'false') {
            throw new InvalidArgumentError(`${key} is true or false (got "${value}")`);
          }
          fields[key] = value === 'true';
          break;
        default:
          throw new InvalidArgumentError(
            `unknown setting "${key}" (name, model, ef, collapse, rerank, crop, k)`,
          );
      }
    }
  }
  const parsed = searchConfigurationSchema.safeParse(fields);
  if (!parsed.success) throw new InvalidArgumentError(describeSchemaError(parsed.error));
  return parsed.data;
}

/**
 * A repeatable --config: each use adds a configuration, and each needs its own name (it names
 * its run and its column), refused as the option is read so commander reports it as a bad option.
 */
export function collectConfiguration(text: string, previous: SearchConfiguration[]): SearchConfiguration[] {
  const config = parseConfigurationSpec(text);
  if (previous.some((c) => c.name === config.name)) {
    throw new InvalidArgumentError(`two configurations are called ${config.name}`);
  }
  return [...previous, config];
}
