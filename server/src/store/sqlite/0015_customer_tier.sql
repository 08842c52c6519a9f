-- The customer's tier on a work order (e.g. VIP): a dispatch scope field.
ALTER TABLE work_orders ADD COLUMN customer_tier TEXT NOT NULL DEFAULT '';
