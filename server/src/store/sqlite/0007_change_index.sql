-- The newest change of a tenant (for sync_available) and a dispatcher's
-- pull read the change log by tenant in seq order.
CREATE INDEX changes_by_tenant ON sync_changes (tenant_id, seq);
