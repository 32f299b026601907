-- The mail directory: hosted domains, mailboxes, aliases and DKIM keys.
-- Dovecot (passdb/userdb) and Postfix (sender login maps) read these
-- tables through a read-only user; only the mailbox service writes them.
-- Addresses are stored in lower case, as the service normalises them.

CREATE TABLE mail_domains (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(253) NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    default_quota_bytes BIGINT UNSIGNED NOT NULL,
    catch_all VARCHAR(320) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY mail_domains_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE mailboxes (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    address VARCHAR(320) NOT NULL,
    local_part VARCHAR(64) NOT NULL,
    domain_id BIGINT UNSIGNED NOT NULL,
    display_name VARCHAR(200) NOT NULL DEFAULT '',
    password_hash VARCHAR(255) NOT NULL,
    quota_bytes BIGINT UNSIGNED NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY mailboxes_address (address),
    KEY mailboxes_domain (domain_id),
    CONSTRAINT mailboxes_domain_fk FOREIGN KEY (domain_id)
        REFERENCES mail_domains (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE mail_aliases (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    source VARCHAR(320) NOT NULL,
    domain_id BIGINT UNSIGNED NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY mail_aliases_source (source),
    KEY mail_aliases_domain (domain_id),
    CONSTRAINT mail_aliases_domain_fk FOREIGN KEY (domain_id)
        REFERENCES mail_domains (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE mail_alias_destinations (
    alias_id BIGINT UNSIGNED NOT NULL,
    destination VARCHAR(320) NOT NULL,
    PRIMARY KEY (alias_id, destination),
    KEY mail_alias_destinations_destination (destination),
    CONSTRAINT mail_alias_destinations_alias_fk FOREIGN KEY (alias_id)
        REFERENCES mail_aliases (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The private key itself lives in a file readable only by homehost (see
-- adapters/dkim.py); the table keeps the public half and the key's state.
CREATE TABLE dkim_keys (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    domain_id BIGINT UNSIGNED NOT NULL,
    selector VARCHAR(63) NOT NULL,
    public_value TEXT NOT NULL,
    state ENUM('active', 'retiring') NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    retire_after DATETIME(6) NULL,
    UNIQUE KEY dkim_keys_domain_selector (domain_id, selector),
    CONSTRAINT dkim_keys_domain_fk FOREIGN KEY (domain_id)
        REFERENCES mail_domains (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
