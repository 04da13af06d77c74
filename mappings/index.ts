// The registry: the ordered list of resource mappings. Everything else iterates it (D6).
import type { ResourceMapping } from './types.js';

export const mappings: readonly ResourceMapping[] = [];
