// A MikroORM JSONB column type that validates the value against its shape on every write.
import { JsonType, type Platform, type TransformContext } from '@mikro-orm/core';
import type { JsonbShapeName } from './shapes.js';
import { assertJsonbShape } from './validate.js';

export class JsonbShapeType<T> extends JsonType {
  constructor(readonly shape: JsonbShapeName) {
    super();
  }

  override convertToDatabaseValue(value: unknown, platform: Platform, context?: TransformContext): string | null {
    if (value !== undefined && !(value === null && context?.mode === 'query')) assertJsonbShape(this.shape, value);
    return super.convertToDatabaseValue(value, platform, context);
  }

  override convertToJSValue(value: unknown, platform: Platform, context?: TransformContext): T {
    return super.convertToJSValue(value, platform, context) as T;
  }

  override getColumnType(): string {
    return 'jsonb';
  }
}
