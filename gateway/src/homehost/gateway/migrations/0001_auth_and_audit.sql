-- Admins, their sessions, second factors and API tokens; login throttling;
-- the audit log; and the gateway's security settings.

CREATE TABLE admins (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret VARCHAR(64) NULL,
    totp_pending_secret VARCHAR(64) NULL,
    totp_last_step BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    last_login_at DATETIME(6) NULL,
    UNIQUE KEY admins_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE recovery_codes (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    admin_id BIGINT NOT NULL,
    code_hash CHAR(64) NOT NULL,
    used_at DATETIME(6) NULL,
    UNIQUE KEY recovery_codes_code (admin_id, code_hash),
    CONSTRAINT recovery_codes_admin FOREIGN KEY (admin_id)
        REFERENCES admins (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
    id_hash CHAR(64) PRIMARY KEY,
    admin_id BIGINT NOT NULL,
    csrf_token VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    client_address VARCHAR(64) NOT NULL,
    KEY sessions_admin (admin_id),
    CONSTRAINT sessions_admin FOREIGN KEY (admin_id)
        REFERENCES admins (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE login_challenges (
    token_hash CHAR(64) PRIMARY KEY,
    admin_id BIGINT NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at DATETIME(6) NULL,
    CONSTRAINT login_challenges_admin FOREIGN KEY (admin_id)
        REFERENCES admins (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_tokens (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    admin_id BIGINT NOT NULL,
    name VARCHAR(100) NOT NULL,
    prefix VARCHAR(16) NOT NULL,
    token_hash CHAR(64) NOT NULL,
    scopes TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NULL,
    last_used_at DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    UNIQUE KEY api_tokens_hash (token_hash),
    KEY api_tokens_admin (admin_id),
    CONSTRAINT api_tokens_admin FOREIGN KEY (admin_id)
        REFERENCES admins (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE login_throttle (
    kind VARCHAR(16) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    failures INT NOT NULL,
    window_started_at DATETIME(6) NOT NULL,
    locked_until DATETIME(6) NULL,
    PRIMARY KEY (kind, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    time DATETIME(6) NOT NULL,
    actor VARCHAR(255) NOT NULL,
    auth VARCHAR(16) NOT NULL,
    token_id BIGINT NULL,
    action VARCHAR(100) NOT NULL,
    target VARCHAR(255) NOT NULL,
    result VARCHAR(16) NOT NULL,
    status_code SMALLINT NOT NULL,
    client_address VARCHAR(64) NOT NULL,
    details TEXT NOT NULL,
    KEY audit_log_time (time),
    KEY audit_log_actor (actor),
    KEY audit_log_action (action)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE security_settings (
    id TINYINT PRIMARY KEY,
    enforce_totp BOOLEAN NOT NULL,
    CONSTRAINT security_settings_one_row CHECK (id = 1)
) ENGINE=InnoDB;

INSERT INTO security_settings (id, enforce_totp) VALUES (1, FALSE);
