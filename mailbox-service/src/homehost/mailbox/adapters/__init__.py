"""The mailbox service's edges: MariaDB, Dovecot's doveadm, DKIM key files."""
