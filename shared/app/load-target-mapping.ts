import { readFileSync } from 'node:fs';
import {
  emptyTargetMapping,
  InvalidTargetMappingError,
  parseTargetMapping,
  type TargetMapping,
} from '../core/target-mapping';

/** Reads the mapping file named by TARGET_MAPPING_FILE once, at start; a broken file stops start-up with its path. */
export function loadTargetMapping(path: string | undefined): TargetMapping {
  if (!path) return emptyTargetMapping;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidTargetMappingError(
      `TARGET_MAPPING_FILE: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseTargetMapping(text, path);
}
