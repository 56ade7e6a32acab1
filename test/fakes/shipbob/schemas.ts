import { z } from 'zod';

/**
 * Request schemas written from ShipBob API 2026-01. ShipBob (System.Text.Json) ignores unknown
 * JSON properties, so objects are not strict: unknown keys are dropped, not rejected.
 */

const int = z.number().int();
const nonEmpty = z.string().trim().min(1);

// ---------- products ----------
// ShipBob documents barcodes as objects `{value, sticker_url}` (a bare string does not deserialize).
const barcode = z.object({ value: nonEmpty, sticker_url: z.string().optional().nullable() });

export const variantCreate = z.object({
  sku: nonEmpty.max(50),
  name: z.string().max(500).optional(),
  barcodes: z.array(barcode).optional(),
  gtin: z.string().optional().nullable(),
  upc: z.string().optional().nullable(),
  lot_information: z
    .object({ is_lot: z.boolean(), minimum_shelf_life_days: int.min(0).optional().nullable() })
    .optional(),
  dimension: z
    .object({ length: z.number().min(0), width: z.number().min(0), height: z.number().min(0), unit: z.enum(['in', 'cm']).optional() })
    .optional(),
  // ShipBob documents the variant weight as a number (double, ounces), not an object.
  weight: z.number().min(0).optional().nullable(),
  value: z.number().min(0).optional().nullable(),
  is_digital: z.boolean().optional(),
});

export const productCreate = z.object({
  name: nonEmpty.max(500),
  type_id: z.union([z.literal(1), z.literal(2)]).optional(),
  taxonomy_id: int.optional(),
  variants: z.array(variantCreate).min(1),
});

export const variantPatch = variantCreate.partial().extend({ id: int.positive().optional() });

export const productPatch = z.object({
  name: nonEmpty.max(500).optional(),
  taxonomy_id: int.optional(),
  variants: z.array(variantPatch).optional(),
});

// ---------- orders ----------
export const address = z.object({
  address1: nonEmpty,
  address2: z.string().optional().nullable(),
  address3: z.string().optional().nullable(),
  company_name: z.string().optional().nullable(),
  city: nonEmpty,
  state: z.string().optional().nullable(),
  zip_code: z.string().optional().nullable(),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'The country field must be an ISO 3166-1 alpha-2 code.'),
});

export const orderProduct = z
  .object({
    id: int.positive().optional(),
    reference_id: z.string().min(1).optional(),
    name: z.string().optional().nullable(),
    quantity: int.min(1),
    quantity_unit_of_measure_code: z.string().optional().nullable(),
    external_line_id: int.min(0).optional().nullable(),
    unit_price: z.number().min(0).optional().nullable(),
    gtin: z.string().optional().nullable(),
    upc: z.string().optional().nullable(),
    sku: z.string().optional().nullable(),
  })
  .refine((p) => p.id !== undefined || p.reference_id !== undefined, {
    message: 'Either id or reference_id must be provided.',
    path: ['reference_id'],
  });

export const orderCreate = z.object({
  reference_id: nonEmpty.max(300),
  order_number: z.string().max(300).optional().nullable(),
  recipient: z.object({
    name: nonEmpty,
    address,
    email: z.email().optional().nullable(),
    phone: z.string().optional().nullable(),
  }),
  products: z.array(orderProduct).min(1),
  shipping_method: nonEmpty,
  type: z.enum(['DTC', 'DropShip', 'B2B']).optional(),
  location_id: int.positive().optional().nullable(),
  purchase_date: z.iso.datetime({ offset: true }).optional().nullable(),
  tags: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  gift_message: z.string().optional().nullable(),
  shipping_terms: z
    .object({ carrier_type: z.enum(['Parcel', 'Freight']).optional(), payment_term: z.enum(['Prepaid', 'Collect', 'ThirdParty', 'MerchantResponsible']).optional() })
    .optional(),
  financials: z.object({ total_price: z.number().min(0).optional() }).optional(),
});

export const batchTrackingUpload = z.object({
  shipment_ids: z.array(int.positive()).min(1).max(500),
  is_tracking_uploaded: z.boolean(),
});

// ---------- returns ----------
export const returnCreate = z.object({
  reference_id: nonEmpty,
  original_shipment_id: int.positive().optional().nullable(),
  tracking_number: z.string().optional().nullable(),
  fulfillment_center: z.object({ id: int.positive(), name: z.string().optional() }),
  inventory: z
    .array(
      z.object({
        id: int.positive(),
        quantity: int.min(1),
        requested_action: z.enum(['Default', 'Restock', 'Quarantine', 'Dispose']),
      }),
    )
    .min(1),
});

// ---------- queries (values arrive as strings) ----------
const intString = (min: number, max: number, field: string) =>
  z
    .string()
    .regex(/^\d+$/, `The value is not valid for ${field}.`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `The field ${field} must be between ${min} and ${max}.`);
const boolString = (field: string) =>
  z
    .string()
    .regex(/^(true|false)$/i, `The value is not valid for ${field}.`)
    .transform((s) => s.toLowerCase() === 'true');

export const orderListQuery = z.object({
  Page: intString(1, 2_147_483_647, 'Page').optional(),
  Limit: intString(1, 250, 'Limit').optional(),
  HasTracking: boolString('HasTracking').optional(),
  IsTrackingUploaded: boolString('IsTrackingUploaded').optional(),
  SortOrder: z.enum(['Newest', 'Oldest']).optional(),
  StartDate: z.iso.datetime({ offset: true }).optional(),
  EndDate: z.iso.datetime({ offset: true }).optional(),
  LastUpdateStartDate: z.iso.datetime({ offset: true }).optional(),
  LastUpdateEndDate: z.iso.datetime({ offset: true }).optional(),
});

export const cursorQuery = z.object({
  PageSize: intString(1, 250, 'PageSize').optional(),
});
