// medicines: the pharmacy's catalogue (database-schema.md, Medicines Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const Medicine = defineEntity({
  name: 'Medicine',
  tableName: 'medicines',
  indexes: [
    { name: 'idx_medicines_medicineCode', properties: ['medicineCode'] },
    { name: 'idx_medicines_name', properties: ['name'] },
    { name: 'idx_medicines_stock', properties: ['stock'] },
  ],
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    medicineCode: p.string().length(50).unique('medicines_medicineCode_key'),
    name: p.string().length(200),
    genericName: p.string().length(200).nullable(),
    strength: p.string().length(50),
    formulation: p.string().length(50),
    manufacturer: p.string().length(100).nullable(),
    batchNumber: p.string().length(50).nullable(),
    description: p.text().nullable(),
    purchasePrice: p.decimal().precision(10).scale(2),
    sellingPrice: p.decimal().precision(10).scale(2),
    stock: p.integer().nullable().defaultRaw('0'),
    reorderLevel: p.integer().nullable().defaultRaw('50'),
    expiryDate: p.datetime().columnType('timestamp').nullable(),
    sideEffects: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    contraindications: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    storageConditions: p.text().nullable(),
    isActive: p.boolean().nullable().defaultRaw('true'),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type Medicine = InferEntity<typeof Medicine>;
