-- Chat transcripts by email: the mailbox they are mailed from (none: the
-- window offers none). No foreign key: a deleted mailbox is only marked.
ALTER TABLE chat_settings ADD COLUMN transcript_mailbox_id INTEGER;

-- The quarantine says why in a code admins read in their language, and
-- what could be made out of the mail's head.
ALTER TABLE mail_quarantine ADD COLUMN reason TEXT NOT NULL DEFAULT 'not_mail';
ALTER TABLE mail_quarantine ADD COLUMN from_address TEXT;
ALTER TABLE mail_quarantine ADD COLUMN subject TEXT;
UPDATE mail_quarantine SET reason = CASE
    WHEN error LIKE 'no sender%' THEN 'no_sender'
    WHEN error LIKE 'the mail server did not hand%' THEN 'not_handed_over'
    WHEN error LIKE '%too large to import%' THEN 'too_large'
    ELSE 'not_mail' END;
