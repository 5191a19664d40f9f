"""District accounts (admins, reviewers, supervisors): passwords, roles, tokens."""
