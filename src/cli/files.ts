/** Reading the data files the CLI is given or ships with: catalogs (YAML or JSON) and agencies. */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Agency, CalendarRecord } from '../store/ports.ts';
import { UsageError } from './errors.ts';

export const demoCatalogFolder = fileURLToPath(new URL('../../catalogs/demo/', import.meta.url));

export function readDataFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError('file_not_found', `cannot read ${path}`);
  }
  try {
    return extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      'malformed_file',
      `${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

export function readDemoFiles(): { catalogs: unknown[]; agencies: Agency[]; calendars: CalendarRecord[] } {
  const files = readdirSync(demoCatalogFolder)
    .filter((f) => f.endsWith('.yaml') && f !== 'agencies.yaml' && f !== 'calendars.yaml')
    .sort();
  return {
    catalogs: files.map((f) => readDataFile(join(demoCatalogFolder, f))),
    agencies: readDataFile(join(demoCatalogFolder, 'agencies.yaml')) as Agency[],
    calendars: readDataFile(join(demoCatalogFolder, 'calendars.yaml')) as CalendarRecord[],
  };
}
