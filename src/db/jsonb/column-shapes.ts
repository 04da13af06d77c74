// The JSONB shapes by table and column, from the entities: writes that bypass the ORM check the
// same shapes the ORM's column type checks (src/db/jsonb/jsonb-shape-type.ts).
import { entities } from '../entities/index.js';
import { JsonbShapeType } from './jsonb-shape-type.js';
import { assertJsonbShape } from './validate.js';
import type { JsonbShapeName } from './shapes.js';

const shapes = new Map<string, Map<string, JsonbShapeName>>();
for (const entity of entities) {
  const columns = new Map<string, JsonbShapeName>();
  for (const [name, property] of Object.entries(entity.meta.properties)) {
    const type = (property as { type?: unknown }).type;
    if (type instanceof JsonbShapeType) columns.set(name, type.shape);
  }
  if (columns.size > 0) shapes.set(entity.meta.tableName, columns);
}

/** Throws JsonbShapeError when a JSONB column's value does not match its shape. */
export function assertColumnShapes(table: string, values: Record<string, unknown>): void {
  const columns = shapes.get(table);
  if (!columns) return;
  for (const [column, shape] of columns) {
    const value = values[column];
    if (value !== undefined && value !== null) assertJsonbShape(shape, value);
  }
}
