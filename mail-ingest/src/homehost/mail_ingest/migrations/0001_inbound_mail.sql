-- Inbound mail as mail-ingest tracks it. The message bytes live in the
-- spool directory; these tables hold what happened to each message and
-- to each mailbox it goes to, so a restart picks up where it stopped.

CREATE TABLE inbound_messages (
    id CHAR(32) NOT NULL PRIMARY KEY,
    received_at DATETIME(6) NOT NULL,
    envelope_from VARCHAR(320) NOT NULL,
    envelope_to TEXT NOT NULL,
    size_bytes BIGINT UNSIGNED NOT NULL,
    body_sha256 CHAR(64) NOT NULL,
    header_subject VARCHAR(500) NOT NULL DEFAULT '',
    header_from VARCHAR(500) NOT NULL DEFAULT '',
    state VARCHAR(16) NOT NULL,
    verdict VARCHAR(16) NULL,
    spam_score DOUBLE NULL,
    spam_action VARCHAR(32) NULL,
    virus VARCHAR(200) NULL,
    folder VARCHAR(8) NOT NULL DEFAULT 'INBOX',
    scan_notes TEXT NOT NULL,
    reason VARCHAR(500) NOT NULL DEFAULT '',
    recipients MEDIUMTEXT NOT NULL,
    timings TEXT NOT NULL,
    -- The header block put in front of the original bytes (ASCII only).
    added_headers MEDIUMTEXT CHARACTER SET ascii NULL,
    expires_at DATETIME(6) NOT NULL,
    KEY inbound_messages_received (received_at),
    KEY inbound_messages_state (state, received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE inbound_deliveries (
    message_id CHAR(32) NOT NULL,
    mailbox VARCHAR(320) NOT NULL,
    state VARCHAR(16) NOT NULL,
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL,
    lease_owner VARCHAR(64) NULL,
    lease_until DATETIME(6) NULL,
    last_reply VARCHAR(500) NOT NULL DEFAULT '',
    settled_at DATETIME(6) NULL,
    PRIMARY KEY (message_id, mailbox),
    KEY inbound_deliveries_due (state, next_attempt_at),
    CONSTRAINT inbound_deliveries_message_fk FOREIGN KEY (message_id)
        REFERENCES inbound_messages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Signatures seen within the time window: an exact retry of an accepted
-- message gets its first answer again; any other replay is refused.
CREATE TABLE inbound_signatures (
    signature CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    seen_at DATETIME(6) NOT NULL,
    message_id CHAR(32) NULL,
    status_code SMALLINT NULL,
    answer MEDIUMTEXT NULL,
    KEY inbound_signatures_seen (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
