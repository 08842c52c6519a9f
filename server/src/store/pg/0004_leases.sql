-- Leases: work exactly one replica may do at a time (a mailbox's IMAP
-- task, the business-hours sweeper). A holder keeps renewing its lease;
-- when it stops (it died), the lease runs out and another takes it over.
-- Times are the database's clock in milliseconds, so replicas' clocks
-- never disagree about who holds what.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
