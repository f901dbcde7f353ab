"""Every write to the ledger: validated, in a transaction, audited."""
