"""The only modules that talk to Rspamd, clamd, Dovecot and the mailbox service."""
