-- Where a work order is served: its GB/T 2260 division (resolved from the
-- address or picked) and, when known, its point.
ALTER TABLE work_orders ADD COLUMN division INTEGER;
ALTER TABLE work_orders ADD COLUMN lon REAL;
ALTER TABLE work_orders ADD COLUMN lat REAL;
