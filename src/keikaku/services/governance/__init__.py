"""Accounts and their safety: users, passwords, sessions, API tokens, the audit trail, backup and restore."""
